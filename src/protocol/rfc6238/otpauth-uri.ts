import { encodeBase32 } from './base32.js'
import { TOTP_DIGITS, TOTP_PERIOD } from './totp.js'

/**
 * The `otpauth://totp/…` URI an authenticator app scans (Key Uri Format): label `issuer:account`, the
 * secret in base32, and the `issuer` parameter apps group entries by. The defaults are spelled out
 * because some apps misread a URI without them.
 *
 * @example otpauthUri({ issuer: 'Tessera', account: 'alice', secret })
 * @see https://github.com/google/google-authenticator/wiki/Key-Uri-Format
 */
export function otpauthUri(input: { issuer: string; account: string; secret: Uint8Array }): string {
  const label = `${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.account)}`
  const query = new URLSearchParams({
    secret: encodeBase32(input.secret),
    issuer: input.issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_PERIOD),
  })
  return `otpauth://totp/${label}?${query.toString()}`
}
