import * as nodeCrypto from 'node:crypto'
import { createHash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto'

/**
 * `crypto.hash` (Node ≥ 20.12) digests in one call, about 1.5× the rate of `createHash().update().digest()`
 * for a token-sized input; `engines` still admits older Node 20 releases, which lack it.
 */
const hashOnce = (nodeCrypto as { hash?: typeof nodeCrypto.hash }).hash

/**
 * A URL-safe random token of `bytes` bytes of entropy (32 bytes = 256 bits). RFC 6749 §10.10 asks for
 * a guessing probability of at most 2^-128 for codes and tokens; base64url keeps them within the
 * RFC 6749 Appendix A characters.
 */
export function randomToken(bytes = 32): string {
  return takeRandom(bytes, (pool, start, end) => pool.toString('base64url', start, end))
}

/**
 * Random bytes are drawn from the CSPRNG a kilobyte at a time and handed out in slices, as Node's own
 * `randomUUID` does: each `randomBytes` call costs a trip into OpenSSL that is worth several tokens, and a
 * token request takes up to four values (jti, token, audit id…). A slice is zeroed once read, so the
 * pool never holds a value already handed out; what it holds is only what a memory disclosure would
 * expose anyway (the signing keys live in the same heap).
 */
const POOL_SIZE = 1024
const pool = Buffer.allocUnsafeSlow(POOL_SIZE)
let poolOffset = POOL_SIZE

function takeRandom<T>(bytes: number, read: (pool: Buffer, start: number, end: number) => T): T {
  if (bytes > POOL_SIZE / 4) {
    const fresh = randomBytes(bytes)
    return read(fresh, 0, bytes)
  }
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const start = poolOffset
  poolOffset += bytes
  const value = read(pool, start, poolOffset)
  pool.fill(0, start, poolOffset)
  return value
}

/** A random unsigned integer of `bytes` bytes (at most 6), from the same pool as `randomToken`. */
export function randomUInt(bytes: number): number {
  return takeRandom(bytes, (pool, start) => pool.readUIntBE(start, bytes))
}

/**
 * A `randomToken` for values people copy into shells and config files (client ids and secrets): never
 * starting with `-`, which command-line parsers (curl, `tessera-oidc --id`, …) would take for an option. The
 * value is drawn again in that case, so it stays uniform over the values that do not.
 */
export function randomCredential(bytes = 32): string {
  for (;;) {
    const value = randomToken(bytes)
    if (!value.startsWith('-')) return value
  }
}

/** SHA-256 of a secret, base64url. What stores keep instead of codes, refresh tokens and client secrets. */
export function sha256(value: string): string {
  return hashOnce ? hashOnce('sha256', value, 'base64url') : createHash('sha256').update(value).digest('base64url')
}

/**
 * Constant-time comparison of two digests of the same kind (e.g. two `sha256` outputs): no hashing
 * again. Their length is public (it is the digest's), so a length mismatch is simply `false`.
 */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** Constant-time string comparison (lengths may differ; the comparison runs over digests). */
export function safeEqual(a: string, b: string): boolean {
  return digestsEqual(sha256(a), sha256(b))
}
