import { createHmac, timingSafeEqual } from 'node:crypto'

/*
 * HOTP (RFC 4226) and TOTP (RFC 6238), written here on purpose: a dozen lines over node:crypto's HMAC, with
 * the RFCs' own test vectors (test/protocol/rfc6238/), rather than a dependency for something this small.
 * The parameters are those every authenticator app implements: HMAC-SHA-1, 6 digits, 30-second steps
 * (RFC 6238 §4.1 defaults; Google Authenticator ignores any other `algorithm`/`digits`/`period`).
 */

/** RFC 6238 §4.1 X: seconds per time step. */
export const TOTP_PERIOD = 30
/** RFC 4226 §5.3: digits of a code. */
export const TOTP_DIGITS = 6

export type HotpAlgorithm = 'sha1' | 'sha256' | 'sha512'

/**
 * RFC 4226 §5.3: HOTP(K, C) = Truncate(HMAC(K, C)) mod 10^digits, zero-padded.
 *
 * @example hotp(Buffer.from('12345678901234567890'), 0) // '755224'
 * @see https://www.rfc-editor.org/rfc/rfc4226#section-5.3
 */
export function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS, algorithm: HotpAlgorithm = 'sha1'): string {
  const message = Buffer.alloc(8)
  message.writeBigUInt64BE(BigInt(counter))
  const mac = createHmac(algorithm, key).update(message).digest()
  // RFC 4226 §5.4 dynamic truncation: the low 4 bits of the last byte pick 31 bits of the MAC.
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f
  const binary = mac.readUInt32BE(offset) & 0x7fffffff
  return String(binary % 10 ** digits).padStart(digits, '0')
}

/** RFC 6238 §4.2: T = floor((now − T0) / X), T0 = 0. */
export function timeStep(now: number, period = TOTP_PERIOD): number {
  return Math.floor(now / period)
}

/**
 * RFC 6238 §4.2: TOTP = HOTP(K, T) for the step containing `now` (Unix seconds).
 *
 * @example totp(secret, Math.floor(Date.now() / 1000))
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-4.2
 */
export function totp(key: Uint8Array, now: number, options: { digits?: number; algorithm?: HotpAlgorithm; period?: number } = {}): string {
  return hotp(key, timeStep(now, options.period), options.digits, options.algorithm)
}

/**
 * The time step whose code `code` is, looking at the current step and `window` steps either side (RFC 6238
 * §5.2: at most one step of network delay is RECOMMENDED); undefined when none matches. Every candidate
 * is compared in constant time, and all of them are computed, so the answer's timing says nothing.
 * The caller refuses a step already used (RFC 6238 §5.2: the second attempt of a validated OTP MUST NOT pass).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-5.2
 */
export function matchTotpStep(key: Uint8Array, code: string, now: number, window = 1): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined
  const current = timeStep(now)
  let matched: number | undefined
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue
    const equal = timingSafeEqual(Buffer.from(hotp(key, step)), Buffer.from(code))
    if (equal && matched === undefined) matched = step
  }
  return matched
}
