import type { BackendGrantStore } from '../compose-store.js'
import { grantRevoked, revokeGrant, type MemoryState } from './state.js'

export function memoryGrantStore(state: MemoryState): BackendGrantStore {
  return {
    async revoke(grantId, until) {
      revokeGrant(state, grantId, until)
    },
    async isRevoked(grantId, now) {
      return grantRevoked(state, grantId, now)
    },
    // The grants of a user and client are those of their refresh tokens, opaque access tokens and (passed
    // in) codes. A grant already revoked is not counted again, so a repeated "disconnect" reports 0 even
    // when the clock moved between the two (its horizon still moves later).
    async revokeByUserAndClient(userId, clientId, until, alsoGrantIds) {
      const grantIds = new Set<string>()
      for (const record of [...state.refreshTokens.values(), ...state.accessTokens.values()]) {
        if (record.user_id === userId && record.client_id === clientId && record.grant_id !== null) grantIds.add(record.grant_id)
      }
      for (const grantId of alsoGrantIds) grantIds.add(grantId)
      let count = 0
      for (const grantId of grantIds) {
        if (!state.revokedGrants.has(grantId)) count++
        revokeGrant(state, grantId, until)
      }
      return count
    },
  }
}
