import { keptSuccessorValue, REFRESH_SUCCESSOR } from '../refresh-successors.js'
import { StorageConflictError, type RefreshTokenRecord, type RefreshTokenStore } from '../types.js'
import { copy, grantRevoked, type MemoryState } from './state.js'

export function memoryRefreshTokenStore(state: MemoryState): RefreshTokenStore {
  const { refreshTokens } = state

  const live = (token: RefreshTokenRecord | undefined, now: number): token is RefreshTokenRecord =>
    token !== undefined && token.expires_at > now && !grantRevoked(state, token.grant_id, now)

  // The successor kept by the rotation of `previousHash`, while kept and while that successor is itself live
  // and unrotated: once it has been used, a late copy of its predecessor is reuse again.
  function keptSuccessor(previousHash: string, now: number): string | undefined {
    const kept = state.records.get(REFRESH_SUCCESSOR.name)?.get(previousHash)
    if (!kept || kept.expiresAt <= now) return undefined
    const value = keptSuccessorValue(kept.value)
    const next = value && refreshTokens.get(value.next)
    return value && live(next, now) && next.consumed_at === null ? value.sealed : undefined
  }

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
      return live(token, now) ? copy(token) : undefined
    },
    // RFC 9700 §4.14.2 rotation: of concurrent callers exactly one marks the token consumed. Nothing awaits
    // between the checks and the writes, so the successor and its kept copy appear together.
    async rotate(previousHash, next, now, keep) {
      const previous = refreshTokens.get(previousHash)
      if (!live(previous, now)) return { status: 'unknown' }
      if (previous.consumed_at !== null) {
        const successor = keptSuccessor(previousHash, now)
        return successor === undefined ? { status: 'reused', previous: copy(previous) } : { status: 'reused', previous: copy(previous), successor }
      }
      if (refreshTokens.has(next.token_hash)) throw new StorageConflictError('refresh token exists')
      previous.consumed_at = now
      refreshTokens.set(next.token_hash, copy(next))
      if (keep) {
        let kept = state.records.get(REFRESH_SUCCESSOR.name)
        if (!kept) state.records.set(REFRESH_SUCCESSOR.name, (kept = new Map()))
        kept.set(previousHash, {
          value: { next: next.token_hash, sealed: keep.sealed },
          expiresAt: keep.until,
          subject: previous.user_id,
          clientId: previous.client_id,
          consumedAt: null,
          revision: 0,
        })
      }
      return { status: 'rotated', previous: copy(previous) }
    },
  }
}
