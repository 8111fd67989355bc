import type { CacheBounds } from '../../protocol/cimd/cache-lifetime.js'

/** Options of `clientIdMetadataDocuments`; every one has a default. */
export interface ClientIdMetadataDocumentOptions {
  /**
   * Seconds a fetched document is used at least, at most, and without `Cache-Control: max-age` (default
   * 5 minutes, 24 hours, 1 hour). `no-store` and `no-cache` get the minimum: a client cannot make the server
   * fetch on every request, and a changed document takes effect within the maximum.
   */
  readonly cache?: Partial<CacheBounds>
  /** Documents kept in memory at most (default 1,000); the oldest fetched goes first. */
  readonly maxEntries?: number
  /** Largest document accepted, in bytes (default 5 KiB, the draft's example bound). */
  readonly maxBytes?: number
  /** Milliseconds for the whole fetch (default 5,000). */
  readonly timeoutMs?: number
}

export interface ResolvedDocumentOptions {
  readonly cache: CacheBounds
  readonly maxEntries: number
  readonly maxBytes: number
  readonly timeoutMs: number
}

const MINUTE = 60
const HOUR = 3600

/** Validated once, at construction; a bad value names its field. */
export function resolveDocumentOptions(options: ClientIdMetadataDocumentOptions = {}): ResolvedDocumentOptions {
  const cache = { minSeconds: 5 * MINUTE, maxSeconds: 24 * HOUR, defaultSeconds: HOUR, ...options.cache }
  const resolved = { cache, maxEntries: options.maxEntries ?? 1000, maxBytes: options.maxBytes ?? 5 * 1024, timeoutMs: options.timeoutMs ?? 5000 }
  const numbers: Record<string, number> = {
    'cache.minSeconds': cache.minSeconds, 'cache.maxSeconds': cache.maxSeconds, 'cache.defaultSeconds': cache.defaultSeconds,
    maxEntries: resolved.maxEntries, maxBytes: resolved.maxBytes, timeoutMs: resolved.timeoutMs,
  }
  for (const [name, value] of Object.entries(numbers)) {
    if (!Number.isInteger(value) || value <= 0) throw new TypeError(`clientIdMetadataDocuments: ${name} must be a positive integer`)
  }
  if (cache.minSeconds > cache.maxSeconds) throw new TypeError('clientIdMetadataDocuments: cache.minSeconds must be at most cache.maxSeconds')
  return resolved
}
