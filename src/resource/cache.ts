import { createHash } from 'node:crypto'

interface Entry<V> {
  value: V
  /** Seconds since the epoch; the entry is not served at or after this time. */
  expiresAt: number
}

/**
 * A bounded least-recently-used map with a deadline per entry, so a verification is never reused past
 * the token's `exp` (RFC 7662 §4 asks the same of cached introspection answers). Keys are SHA-256
 * digests of the token, so the cache never holds bearer credentials themselves.
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
    const key = digest(token)
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    this.#entries.delete(key)
    if (this.#now() >= entry.expiresAt) return undefined
    // Re-inserting moves the entry to the most recently used end of the Map's order.
    this.#entries.set(key, entry)
    return entry.value
  }

  /** Keeps `value` until `expiresAt` (seconds) at the latest; evicts the least recently used beyond the bound. */
  set(token: string, value: V, expiresAt: number): void {
    if (this.#maxEntries === 0 || !(expiresAt > this.#now())) return
    const key = digest(token)
    this.#entries.delete(key)
    this.#entries.set(key, { value, expiresAt })
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next()
      if (oldest.done === true) break
      this.#entries.delete(oldest.value)
    }
  }

  delete(token: string): boolean {
    return this.#entries.delete(digest(token))
  }

  clear(): void {
    this.#entries.clear()
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}
