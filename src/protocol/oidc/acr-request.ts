import { OAuthError } from '../../errors.js'

/** What an authorization request asks of the authentication's context class (OIDC Core §3.1.2.1, §5.5.1.1). */
export interface AcrRequest {
  /** `acr_values`: voluntary, in order of preference; the server may reach a lower level and say so. */
  acr_values?: string[] | undefined
  /** `claims` → `id_token` → `acr` with `essential: true`: one of these or a failed authentication. */
  essential_acr?: string[] | undefined
}

/** OIDC Core §3.1.2.1: `acr_values` is a space-separated list. */
export function parseAcrValues(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const values = value.split(' ').filter((v) => v !== '')
  return values.length > 0 ? values : undefined
}

/**
 * The essential `acr` values of an OIDC Core §5.5 `claims` parameter (only `id_token.acr` is acted on;
 * other members are accepted and ignored, as §5.5 allows for claims a server does not support). Throws
 * `invalid_request` when the parameter is not a JSON object.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#acrSemantics
 */
export function essentialAcrOf(claims: string | undefined): string[] | undefined {
  if (claims === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(claims)
  } catch {
    throw new OAuthError('invalid_request', 'claims must be a JSON object')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new OAuthError('invalid_request', 'claims must be a JSON object')
  const idToken = (parsed as { id_token?: unknown }).id_token
  if (typeof idToken !== 'object' || idToken === null) return undefined
  const acr = (idToken as { acr?: unknown }).acr
  if (typeof acr !== 'object' || acr === null || (acr as { essential?: unknown }).essential !== true) return undefined
  const { value, values } = acr as { value?: unknown; values?: unknown }
  if (typeof value === 'string') return [value]
  if (Array.isArray(values) && values.every((v): v is string => typeof v === 'string') && values.length > 0) return values
  throw new OAuthError('invalid_request', 'claims.id_token.acr must name its values')
}
