import { sha256 } from '../crypto/random.js'

// Below every role: the authorization server (its own access tokens) and the resource server both cache
// verifications here, and neither may import the other's layer. Tokens are plain strings to this module.

interface Entry<V> {
  value: V
  /** Seconds since the epoch; the entry is not served at or after this time. */
  expiresAt: number
  /** The part of the token that is not hashed into the key (see `keyOf`), compared on every hit. */
  signingInput: string
}

/** A JWS signature of at least 256 bits: 43 base64url characters or more. */
const LONG_SIGNATURE = /^[A-Za-z0-9_-]{43,}$/

/**
 * Where a token is looked up. For a JWS only the signature is hashed (a few blocks of SHA-256 instead
 * of the whole token) and the header and payload are compared as they are: they are no secret (the
 * cached principal holds the same claims), and the signature, at least 256 bits, is not recoverable
 * from its digest. Any other token is hashed whole, so that no part of an opaque credential is kept.
 */
function keyOf(token: string): { key: string; signingInput: string } {
  // Shaped as a compact JWS: three non-empty segments (RFC 7515 §7.1), the signature checked by regex
  // alone so that a long payload is not scanned on every lookup.
  const first = token.indexOf('.')
  const last = token.lastIndexOf('.')
  if (first > 0 && last > first + 1 && token.indexOf('.', first + 1) === last && LONG_SIGNATURE.test(token.slice(last + 1))) {
    return { key: sha256(token.slice(last + 1)), signingInput: token.slice(0, last + 1) }
  }
  return { key: sha256(token), signingInput: '' }
}

/**
 * A bounded least-recently-used map with a deadline per entry, so a verification is never reused past
 * the token's `exp` (RFC 7662 §4 asks the same of cached introspection answers). Keys are SHA-256
 * digests (of a JWS's signature, of any other token whole), so the cache never holds bearer credentials
 * themselves.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-4
 */
export class VerificationCache<V> {
  readonly #entries = new Map<string, Entry<V>>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor(maxEntries: number, now: () => number) {
    this.#maxEntries = maxEntries
    this.#now = now
  }

  get size(): number {
    return this.#entries.size
  }

  /** The cached value for `token`, unless absent or past its deadline. */
  get(token: string): V | undefined {
    if (this.#entries.size === 0) return undefined
    const { key, signingInput } = keyOf(token)
    const entry = this.#entries.get(key)
    // A different header or payload under a known signature is another token: never served from here.
    if (!entry || entry.signingInput !== signingInput) return undefined
    this.#entries.delete(key)
    if (this.#now() >= entry.expiresAt) return undefined
    // Re-inserting moves the entry to the most recently used end of the Map's order.
    this.#entries.set(key, entry)
    return entry.value
  }

  /** Keeps `value` until `expiresAt` (seconds) at the latest; evicts the least recently used beyond the bound. */
  set(token: string, value: V, expiresAt: number): void {
    if (this.#maxEntries === 0 || !(expiresAt > this.#now())) return
    const { key, signingInput } = keyOf(token)
    this.#entries.delete(key)
    this.#entries.set(key, { value, expiresAt, signingInput })
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next()
      if (oldest.done === true) break
      this.#entries.delete(oldest.value)
    }
  }

  delete(token: string): boolean {
    const { key, signingInput } = keyOf(token)
    return this.#entries.get(key)?.signingInput === signingInput && this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }
}
