import type { ClientRecord } from '../../storage/types.js'

interface Entry {
  readonly client: ClientRecord
  readonly expiresAt: number
}

/**
 * Clients resolved from metadata documents, in memory: at most `maxEntries` (the oldest fetched is dropped
 * first), each until its own expiry, and one fetch at a time per URL — concurrent requests for a document
 * being fetched wait for that fetch (single flight), so a burst of requests costs one outbound request.
 * Failures are not cached: the next request tries again (each under the guard's time limit).
 */
export interface DocumentCache {
  /** The cached client, or the result of `load` (`[client, seconds to keep it]`), shared by concurrent callers. */
  get(url: string, now: number, load: () => Promise<readonly [ClientRecord, number]>): Promise<ClientRecord>
}

export function createDocumentCache(maxEntries: number): DocumentCache {
  const entries = new Map<string, Entry>()
  const inFlight = new Map<string, Promise<ClientRecord>>()
  return {
    get(url, now, load) {
      const cached = entries.get(url)
      if (cached && cached.expiresAt > now) return Promise.resolve(cached.client)
      if (cached) entries.delete(url)
      const pending = inFlight.get(url)
      if (pending) return pending
      const fetched = load()
        .then(([client, seconds]) => {
          entries.delete(url)
          entries.set(url, { client, expiresAt: now + seconds })
          while (entries.size > maxEntries) {
            const oldest = entries.keys().next().value
            if (oldest === undefined) break
            entries.delete(oldest)
          }
          return client
        })
        .finally(() => inFlight.delete(url))
      inFlight.set(url, fetched)
      return fetched
    },
  }
}
