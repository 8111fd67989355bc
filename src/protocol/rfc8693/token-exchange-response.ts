import { jsonResponse } from '../../http/response.js'
import type { OAuthResponse } from '../../http/types.js'
import { formatScope } from '../rfc6749/scope.js'
import { TOKEN_TYPES, type TokenTypeName } from './token-types.js'

/** What a successful token exchange issued (RFC 8693 §2.2.1). */
export interface TokenExchangeResult {
  /** The issued token, in `access_token` whatever its type (§2.2.1: "for historical reasons"). */
  readonly token: string
  readonly issuedTokenType: TokenTypeName
  /**
   * §2.2.1 `token_type`: `Bearer` or `DPoP` for an access token; `N_A` for a token that is not one (an
   * ID-JAG, a JWT assertion: ID-JAG "Response").
   */
  readonly tokenType: 'Bearer' | 'DPoP' | 'N_A'
  readonly expiresIn: number
  readonly scopes: readonly string[]
  readonly refreshToken?: string | undefined
}

/**
 * RFC 8693 §2.2.1 successful response: `access_token`, `issued_token_type` (REQUIRED), `token_type`,
 * `expires_in`, `scope`, and `refresh_token` only when one was issued; `Cache-Control: no-store` as for
 * every token response (RFC 6749 §5.1).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.2.1
 */
export function tokenExchangeResponse(result: TokenExchangeResult): OAuthResponse {
  return jsonResponse(200, {
    access_token: result.token,
    issued_token_type: TOKEN_TYPES[result.issuedTokenType],
    token_type: result.tokenType,
    expires_in: result.expiresIn,
    scope: formatScope(result.scopes),
    ...(result.refreshToken !== undefined ? { refresh_token: result.refreshToken } : {}),
  })
}
