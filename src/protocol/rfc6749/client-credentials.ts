import { OAuthError } from '../../errors.js'
import type { Parameters } from '../../http/form.js'

/**
 * The client authentication methods Tessera reads, by their registered names (RFC 7591 §2
 * `token_endpoint_auth_method`). A store's client record carries the same strings.
 */
export type ClientAuthenticationMethod = 'client_secret_basic' | 'client_secret_post' | 'none'

export interface PresentedClientCredentials {
  method: ClientAuthenticationMethod
  clientId: string
  clientSecret: string | undefined
}

const FORM_ENCODED = /[%+]/

function formDecode(value: string): string {
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before Base64 ("+" is a space). Most are plain
  // ASCII without either character, which decode to themselves.
  return FORM_ENCODED.test(value) ? decodeURIComponent(value.replace(/\+/g, ' ')) : value
}

/**
 * Which client authentication the request presents: HTTP Basic (`client_secret_basic`), body
 * credentials (`client_secret_post`) or a bare `client_id` (`none`). Using more than one method is an
 * `invalid_request` (RFC 6749 §2.3). Returns `undefined` when the request names no client at all.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function readClientCredentials(headers: Headers, params: Parameters): PresentedClientCredentials | undefined {
  const authorization = headers.get('authorization')
  const bodyId = params.get('client_id')
  const bodySecret = params.get('client_secret')

  if (authorization !== null) {
    const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(authorization)
    if (!match?.[1]) throw new OAuthError('invalid_client', 'Malformed Authorization header', { status: 401 })
    if (bodySecret !== undefined) {
      throw new OAuthError('invalid_request', 'Only one client authentication method may be used')
    }
    const decoded = Buffer.from(match[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon === -1) throw new OAuthError('invalid_client', 'Malformed Basic credentials', { status: 401 })
    let clientId: string
    let clientSecret: string
    try {
      clientId = formDecode(decoded.slice(0, colon))
      clientSecret = formDecode(decoded.slice(colon + 1))
    } catch {
      throw new OAuthError('invalid_client', 'Malformed Basic credentials', { status: 401 })
    }
    if (bodyId !== undefined && bodyId !== clientId) {
      throw new OAuthError('invalid_request', 'client_id does not match the authenticated client')
    }
    return { method: 'client_secret_basic', clientId, clientSecret }
  }
  if (bodyId === undefined) {
    if (bodySecret !== undefined) throw new OAuthError('invalid_request', 'client_secret without client_id')
    return undefined
  }
  if (bodySecret !== undefined) return { method: 'client_secret_post', clientId: bodyId, clientSecret: bodySecret }
  return { method: 'none', clientId: bodyId, clientSecret: undefined }
}
