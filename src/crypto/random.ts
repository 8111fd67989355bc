import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * A URL-safe random token of `bytes` bytes of entropy (32 bytes = 256 bits). RFC 6749 §10.10 asks for
 * a guessing probability of at most 2^-128 for codes and tokens; base64url keeps them within the
 * RFC 6749 Appendix A characters.
 */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** SHA-256 of a secret, base64url. What stores keep instead of codes, refresh tokens and client secrets. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/** Constant-time string comparison (lengths may differ; the comparison runs over digests). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest()
  const db = createHash('sha256').update(b).digest()
  return timingSafeEqual(da, db)
}
