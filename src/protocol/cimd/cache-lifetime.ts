/**
 * How long a fetched client ID metadata document is used before it is fetched again
 * (draft-ietf-oauth-client-id-metadata-document §4.2: the server may cache it, respecting HTTP caching,
 * RFC 9111 §5.2.2), within bounds the server sets: a floor so that a client answering `no-store` cannot
 * make the server fetch on every request, a ceiling so that a changed document takes effect in time.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2
 */
export interface CacheBounds {
  /** Seconds a document is kept at least, whatever its headers say (also for `no-store`, `no-cache`). */
  readonly minSeconds: number
  /** Seconds a document is kept at most. */
  readonly maxSeconds: number
  /** Seconds for a document without `max-age`. */
  readonly defaultSeconds: number
}

/**
 * Seconds to keep a document answered with this `Cache-Control` header (or none), clamped to `bounds`.
 *
 * @example documentLifetime('max-age=60', { minSeconds: 300, maxSeconds: 86400, defaultSeconds: 3600 }) // 300
 */
export function documentLifetime(cacheControl: string | null, bounds: CacheBounds): number {
  const directives = (cacheControl ?? '').toLowerCase().split(',').map((directive) => directive.trim())
  let seconds = bounds.defaultSeconds
  if (directives.some((directive) => directive === 'no-store' || directive === 'no-cache')) seconds = bounds.minSeconds
  else {
    const maxAge = directives.find((directive) => directive.startsWith('max-age='))
    const value = maxAge === undefined ? Number.NaN : Number(maxAge.slice('max-age='.length).replace(/^"|"$/g, ''))
    if (Number.isInteger(value) && value >= 0) seconds = value
  }
  return Math.min(bounds.maxSeconds, Math.max(bounds.minSeconds, seconds))
}
