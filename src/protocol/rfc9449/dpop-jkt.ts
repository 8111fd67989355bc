/**
 * Whether `value` has the form of a `dpop_jkt` (RFC 9449 §10): a base64url SHA-256 JWK thumbprint, 43 characters.
 *
 * @example isJwkThumbprint('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I') // true
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-10
 */
export function isJwkThumbprint(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value)
}
