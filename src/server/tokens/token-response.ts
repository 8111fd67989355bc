import { jsonResponse } from '../../http/response.js'
import type { OAuthResponse } from '../../http/types.js'
import { formatScope } from '../../protocol/rfc6749/scope.js'

export interface TokenResponseFields {
  accessToken: string
  expiresIn: number
  scopes: readonly string[]
  refreshToken?: string | undefined
  idToken?: string | undefined
  /** RFC 9449 §5: the access token is bound to this DPoP key, so its type is `DPoP`. */
  dpopJkt?: string | undefined
}

/**
 * RFC 6749 §5.1 successful response, with `Cache-Control: no-store` and `Pragma: no-cache`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export function tokenResponse(fields: TokenResponseFields): OAuthResponse {
  return jsonResponse(200, {
    access_token: fields.accessToken,
    token_type: fields.dpopJkt !== undefined ? 'DPoP' : 'Bearer',
    expires_in: fields.expiresIn,
    scope: formatScope(fields.scopes),
    ...(fields.refreshToken !== undefined ? { refresh_token: fields.refreshToken } : {}),
    ...(fields.idToken !== undefined ? { id_token: fields.idToken } : {}),
  })
}
