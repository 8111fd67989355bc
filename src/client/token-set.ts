import type { TokenEndpointResponse } from 'oauth4webapi'

/**
 * Tokens of a session, kept server-side and sealed at rest. `expires_at` is absolute (seconds since the
 * epoch), computed from `expires_in` when the provider sent one (RFC 6749 §5.1: it is RECOMMENDED, not
 * required).
 */
export interface TokenSet {
  access_token: string
  /** Lower-cased by oauth4webapi (`Bearer` and `bearer` are the same, RFC 6749 §7.1). */
  token_type: string
  expires_at?: number
  refresh_token?: string
  id_token?: string
  scope?: string
}

/**
 * The token set after a token response. On refresh the provider may omit what did not change: the refresh
 * token when it does not rotate (RFC 6749 §6), the ID token (OIDC Core §12.2), the scope (§5.1).
 */
export function toTokenSet(response: TokenEndpointResponse, now: number, previous?: TokenSet): TokenSet {
  const tokens: TokenSet = { access_token: response.access_token, token_type: response.token_type }
  if (typeof response.expires_in === 'number') tokens.expires_at = now + response.expires_in
  const refresh = response.refresh_token ?? previous?.refresh_token
  if (refresh) tokens.refresh_token = refresh
  const idToken = response.id_token ?? previous?.id_token
  if (idToken) tokens.id_token = idToken
  const scope = response.scope ?? previous?.scope
  if (scope) tokens.scope = scope
  return tokens
}
