/** Store outages for tests: a memory store whose lookups fail while a failure is set. */
import { createMemoryNoteStore } from '../../src/standalone/notes/memory.js'
import type { NoteStore } from '../../src/standalone/notes/types.js'
import { createMemoryStore } from '../../src/storage/memory.js'
import { StorageUnavailableError, type Store } from '../../src/storage/types.js'

/** A memory store (and notes store) whose client, session and note lookups and ping fail once `failure` is set. */
export function flakyStore(): { store: Store; notes: NoteStore; fail: (error: Error | undefined) => void } {
  const store = createMemoryStore()
  const notes = createMemoryNoteStore()
  let failure: Error | undefined
  const guard = <T>(call: () => Promise<T>): Promise<T> => (failure ? Promise.reject(failure) : call())
  return {
    store: {
      ...store,
      clients: { ...store.clients, get: (id) => guard(() => store.clients.get(id)) },
      sessions: { ...store.sessions, get: (hash, now) => guard(() => store.sessions.get(hash, now)) },
      ping: () => guard(() => store.ping()),
    },
    notes: { ...notes, list: (owner) => guard(() => notes.list(owner)) },
    fail: (error) => (failure = error),
  }
}

export const outage = () => new StorageUnavailableError('postgres', 'PostgreSQL is unavailable: connect ECONNREFUSED 10.0.0.5:5432')
