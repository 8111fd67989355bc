import { StorageConflictError, type AccessTokenStore } from '../types.js'
import { copy, grantRevoked, type MemoryState } from './state.js'

export function memoryAccessTokenStore(state: MemoryState): AccessTokenStore {
  const { accessTokens } = state
  return {
    async save(token) {
      if (accessTokens.has(token.token_hash)) throw new StorageConflictError('access token exists')
      accessTokens.set(token.token_hash, copy(token))
    },
    async find(tokenHash, now) {
      const token = accessTokens.get(tokenHash)
      if (!token || token.expires_at <= now || (token.grant_id !== null && grantRevoked(state, token.grant_id, now))) return undefined
      return copy(token)
    },
    async delete(tokenHash) {
      accessTokens.delete(tokenHash)
    },
  }
}
