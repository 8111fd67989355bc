import type { ConsentStore } from '../types.js'
import { compare, copy, type MemoryState } from './state.js'

// JSON keeps the pair unambiguous whatever characters the ids contain.
const consentKey = (userId: string, clientId: string) => JSON.stringify([userId, clientId])

export function memoryConsentStore({ consents }: MemoryState): ConsentStore {
  return {
    async get(userId, clientId) {
      const consent = consents.get(consentKey(userId, clientId))
      return consent && copy(consent)
    },
    async grant(userId, clientId, scopes, now) {
      const existing = consents.get(consentKey(userId, clientId))
      consents.set(consentKey(userId, clientId), {
        user_id: userId,
        client_id: clientId,
        scopes: [...new Set([...(existing?.scopes ?? []), ...scopes])],
        created_at: existing?.created_at ?? now,
        updated_at: now,
      })
    },
    async revoke(userId, clientId) {
      return consents.delete(consentKey(userId, clientId))
    },
    async listByUser(userId) {
      return [...consents.values()]
        .filter((consent) => consent.user_id === userId)
        .sort((a, b) => compare(a.client_id, b.client_id))
        .map(copy)
    },
  }
}
