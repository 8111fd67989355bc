import { describe, expect, it } from 'vitest'
import type { CurrentStore } from '../contract.js'
import { NOW, accessToken, code, interaction, refreshToken, session } from '../fixtures.js'

const E = NOW + 300

export function expiryContract(store: CurrentStore): void {
  // Every store decides validity by the caller's `now` (`expires_at > now`), whatever its own clock or
  // TTLs say: a record is valid up to the second before `expires_at` and never from `expires_at` on.
  describe('expiry', () => {
    it('keeps every short-lived record until the second before expires_at, and none from expires_at on', async () => {
      const s = store()
      await s.codes.save(code({ code_hash: 'at-expiry', expires_at: E }))
      await s.codes.save(code({ code_hash: 'before-expiry', expires_at: E }))
      await s.sessions.create(session({ expires_at: E }))
      await s.interactions.save(interaction({ expires_at: E }))
      await s.refreshTokens.save(refreshToken({ expires_at: E }))
      await s.accessTokens.save(accessToken({ expires_at: E }))
      await s.revokedTokens.add('jti-1', E)
      await s.grants.revoke('grant-revoked', E)

      expect(await s.codes.consume('at-expiry', E)).toEqual({ status: 'unknown' })
      expect((await s.codes.consume('before-expiry', E - 1)).status).toBe('consumed')
      expect(await s.sessions.get('session-hash-1', E - 1)).toBeDefined()
      expect(await s.sessions.get('session-hash-1', E)).toBeUndefined()
      expect(await s.interactions.get('interaction-1', E - 1)).toBeDefined()
      expect(await s.interactions.get('interaction-1', E)).toBeUndefined()
      expect(await s.interactions.consume('interaction-1', E)).toBeUndefined()
      expect(await s.refreshTokens.find('refresh-hash-1', E - 1)).toBeDefined()
      expect(await s.refreshTokens.rotate('refresh-hash-1', refreshToken({ token_hash: 'next' }), E)).toEqual({ status: 'unknown' })
      expect(await s.accessTokens.find('access-hash-1', E - 1)).toBeDefined()
      expect(await s.accessTokens.find('access-hash-1', E)).toBeUndefined()
      expect(await s.revokedTokens.has('jti-1', E - 1)).toBe(true)
      expect(await s.revokedTokens.has('jti-1', E)).toBe(false)
      expect(await s.grants.isRevoked('grant-revoked', E - 1)).toBe(true)
      expect(await s.grants.isRevoked('grant-revoked', E)).toBe(false)
      // An interaction refused as expired is not consumed by the attempt.
      expect(await s.interactions.consume('interaction-1', E - 1)).toEqual(interaction({ expires_at: E }))
    })

    it('never returns a record saved already expired', async () => {
      const s = store()
      const past = NOW - 1
      await s.codes.save(code({ expires_at: past }))
      await s.sessions.create(session({ expires_at: past }))
      await s.interactions.save(interaction({ expires_at: past }))
      await s.refreshTokens.save(refreshToken({ expires_at: past }))
      await s.accessTokens.save(accessToken({ expires_at: past }))
      await s.revokedTokens.add('jti-1', past)
      await s.grants.revoke('grant-past', past)

      expect(await s.codes.consume('code-hash-1', NOW)).toEqual({ status: 'unknown' })
      expect(await s.sessions.get('session-hash-1', NOW)).toBeUndefined()
      expect(await s.interactions.get('interaction-1', NOW)).toBeUndefined()
      expect(await s.interactions.consume('interaction-1', NOW)).toBeUndefined()
      expect(await s.refreshTokens.find('refresh-hash-1', NOW)).toBeUndefined()
      expect(await s.accessTokens.find('access-hash-1', NOW)).toBeUndefined()
      expect(await s.revokedTokens.has('jti-1', NOW)).toBe(false)
      expect(await s.grants.isRevoked('grant-past', NOW)).toBe(false)
    })
  })
}
