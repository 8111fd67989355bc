import type { OAuthResponse } from '../http/types.js'
import { STRICT_TRANSPORT_SECURITY } from '../http/transport-security.js'

/**
 * HSTS on every response of an https issuer, not only on pages: the first answer a browser sees is often
 * the `/authorize` redirect. Never over http, where RFC 6797 §7.2 forbids it (and browsers ignore it).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6797#section-7.1
 */
export function withTransportSecurity(response: OAuthResponse, secure: boolean): OAuthResponse {
  if (secure && !response.headers.has('Strict-Transport-Security')) response.headers.set('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY)
  return response
}
