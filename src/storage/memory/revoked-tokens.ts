import type { RevokedTokenStore } from '../types.js'
import type { MemoryState } from './state.js'

export function memoryRevokedTokenStore({ revokedTokens }: MemoryState): RevokedTokenStore {
  return {
    // RFC 7009 §2.2: revoking an already revoked token succeeds; keep the later expiry.
    async add(jti, expiresAt) {
      revokedTokens.set(jti, Math.max(expiresAt, revokedTokens.get(jti) ?? -Infinity))
    },
    async has(jti, now) {
      return (revokedTokens.get(jti) ?? -Infinity) > now
    },
  }
}
