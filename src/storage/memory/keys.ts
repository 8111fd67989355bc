import { StorageConflictError, type SigningKeyStore } from '../types.js'
import { compare, copy, type MemoryState } from './state.js'

export function memorySigningKeyStore(state: MemoryState): SigningKeyStore {
  const { keys } = state
  return {
    // Newest first; `kid` breaks ties between keys created in the same second, identically in every store.
    async list(now) {
      return [...keys.values()]
        .filter((key) => key.expires_at === null || key.expires_at > now)
        .sort((a, b) => b.created_at - a.created_at || compare(a.kid, b.kid))
        .map(copy)
    },
    async add(key) {
      if (keys.has(key.kid)) throw new StorageConflictError(`kid ${key.kid} already exists`)
      keys.set(key.kid, copy(key))
      state.keysVersion++
    },
    // Keys retired earlier keep their own retirement time and expiry.
    async retireAllExcept(keep, now, expiresAt) {
      const kept = new Set(typeof keep === 'string' ? [keep] : keep)
      for (const key of keys.values()) {
        if (kept.has(key.kid) || key.retired_at !== null) continue
        key.retired_at = now
        key.expires_at = expiresAt
      }
      state.keysVersion++
    },
    async version() {
      return String(state.keysVersion)
    },
  }
}
