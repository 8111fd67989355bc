/** Store outages for tests: a memory store whose lookups fail while a failure is set. */
import { createMemoryStore } from '../../src/storage/memory.js'
import { StorageUnavailableError, type Store } from '../../src/storage/types.js'

/** A memory store whose client and session lookups and ping fail once `failure` is set. */
export function flakyStore(): { store: Store; fail: (error: Error | undefined) => void } {
  const store = createMemoryStore()
  let failure: Error | undefined
  const guard = <T>(call: () => Promise<T>): Promise<T> => (failure ? Promise.reject(failure) : call())
  return {
    store: {
      ...store,
      clients: { ...store.clients, get: (id) => guard(() => store.clients.get(id)) },
      sessions: { ...store.sessions, get: (hash, now) => guard(() => store.sessions.get(hash, now)) },
      notes: { ...store.notes, list: (owner) => guard(() => store.notes.list(owner)) },
      ping: () => guard(() => store.ping()),
    },
    fail: (error) => (failure = error),
  }
}

export const outage = () => new StorageUnavailableError('postgres', 'PostgreSQL is unavailable: connect ECONNREFUSED 10.0.0.5:5432')
