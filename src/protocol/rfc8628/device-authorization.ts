/**
 * The device authorization response (RFC 8628 §3.2), as the server sends it and a client reads it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
export interface DeviceAuthorizationResponse {
  /** The device's secret for polling the token endpoint. */
  device_code: string
  /** What the user types at `verification_uri`: `XXXX-XXXX`. */
  user_code: string
  verification_uri: string
  /** `verification_uri` with the `user_code` in its query, for a QR code or a link. */
  verification_uri_complete?: string
  /** Seconds until `device_code` and `user_code` expire. */
  expires_in: number
  /** Seconds the client waits between polls (default 5). */
  interval?: number
}

/** RFC 8628 §3.4: the grant type of the token request a device polls with. */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code'

/**
 * `verification_uri_complete` (§3.3.1): the verification URI with the user code as the `user_code` query
 * parameter, the name the page's field carries too.
 *
 * @example verificationUriComplete('https://as.example/device', 'WDJB-MJHT') // 'https://as.example/device?user_code=WDJB-MJHT'
 */
export function verificationUriComplete(verificationUri: string, userCode: string): string {
  const url = new URL(verificationUri)
  url.searchParams.set('user_code', userCode)
  return url.href
}
