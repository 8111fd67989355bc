import { StorageConflictError, type RefreshTokenStore } from '../types.js'
import { copy, grantRevoked, type MemoryState } from './state.js'

export function memoryRefreshTokenStore(state: MemoryState): RefreshTokenStore {
  const { refreshTokens } = state
  return {
    async save(token) {
      if (refreshTokens.has(token.token_hash)) throw new StorageConflictError('refresh token exists')
      refreshTokens.set(token.token_hash, copy(token))
    },
    // Returns consumed (rotated) tokens too: presenting one is reuse, which the caller must see to revoke
    // the family (RFC 9700 §4.14.2). Undefined when unknown, expired (`expires_at <= now`) or when the
    // grant is revoked (revoked until a time after `now`).
    async find(tokenHash, now) {
      const token = refreshTokens.get(tokenHash)
      if (!token || token.expires_at <= now || grantRevoked(state, token.grant_id, now)) return undefined
      return copy(token)
    },
    // RFC 9700 §4.14.2 rotation: of concurrent callers exactly one marks the token consumed.
    async rotate(previousHash, next, now) {
      const previous = refreshTokens.get(previousHash)
      if (!previous || previous.expires_at <= now || grantRevoked(state, previous.grant_id, now)) return { status: 'unknown' }
      if (previous.consumed_at !== null) return { status: 'reused', previous: copy(previous) }
      if (refreshTokens.has(next.token_hash)) throw new StorageConflictError('refresh token exists')
      previous.consumed_at = now
      refreshTokens.set(next.token_hash, copy(next))
      return { status: 'rotated', previous: copy(previous) }
    },
  }
}
