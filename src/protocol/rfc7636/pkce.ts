import { createHash, timingSafeEqual } from 'node:crypto'

// RFC 7636 §4.1: code-verifier = 43*128unreserved; §4.2: S256 challenge is BASE64URL(SHA256), 43 chars.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/

/** Only S256: `plain` offers no protection when the request leaks (RFC 9700 §2.1.1). */
export const CODE_CHALLENGE_METHODS = ['S256'] as const

export function isValidS256Challenge(challenge: string): boolean {
  return S256_CHALLENGE.test(challenge)
}

export function isValidCodeVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier)
}

export function computeS256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}

/**
 * RFC 7636 §4.6: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) == code_challenge, compared in
 * constant time.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 */
export function verifyS256(verifier: string, challenge: string): boolean {
  if (!isValidCodeVerifier(verifier)) return false
  const computed = Buffer.from(computeS256Challenge(verifier))
  const expected = Buffer.from(challenge)
  return computed.length === expected.length && timingSafeEqual(computed, expected)
}
