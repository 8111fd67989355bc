import { describe, expect, it } from 'vitest'
import type { CurrentStore } from '../contract.js'
import { NOW, accessToken, code, interaction, refreshToken, session, signingKey } from '../fixtures.js'

const T = NOW + 100

export function purgeContract(store: CurrentStore): void {
  describe('purgeExpired', () => {
    // Each check reads with `now = NOW`, when every record was still valid: an undefined result means the
    // row was deleted, not merely filtered as expired.
    it('deletes what expired by `now` and keeps the rest, consumed codes included', async () => {
      const s = store()
      await s.codes.save(code({ code_hash: 'expired', expires_at: T }))
      await s.codes.save(code({ code_hash: 'live-consumed', expires_at: T + 1 }))
      await s.codes.consume('live-consumed', NOW)
      await s.refreshTokens.save(refreshToken({ token_hash: 'expired', expires_at: T }))
      await s.refreshTokens.save(refreshToken({ token_hash: 'live', expires_at: T + 1, consumed_at: NOW }))
      await s.accessTokens.save(accessToken({ token_hash: 'expired', expires_at: T }))
      await s.accessTokens.save(accessToken({ token_hash: 'live', expires_at: T + 1 }))
      await s.sessions.create(session({ id_hash: 'expired', expires_at: T }))
      await s.sessions.create(session({ id_hash: 'live', expires_at: T + 1 }))
      await s.interactions.save(interaction({ id: 'expired', expires_at: T }))
      await s.interactions.save(interaction({ id: 'live', expires_at: T + 1 }))
      await s.grants.revoke('grant-expired', T)
      await s.grants.revoke('grant-live', T + 1)
      await s.revokedTokens.add('jti-expired', T)
      await s.revokedTokens.add('jti-live', T + 1)
      await s.keys.add(signingKey({ retired_at: NOW, expires_at: T }))

      await s.purgeExpired(T)

      expect(await s.codes.consume('expired', NOW)).toEqual({ status: 'unknown' })
      expect((await s.codes.consume('live-consumed', NOW)).status).toBe('replayed')
      expect(await s.refreshTokens.find('expired', NOW)).toBeUndefined()
      expect(await s.refreshTokens.find('live', NOW)).toBeDefined()
      expect(await s.accessTokens.find('expired', NOW)).toBeUndefined()
      expect(await s.accessTokens.find('live', NOW)).toBeDefined()
      expect(await s.sessions.get('expired', NOW)).toBeUndefined()
      expect(await s.sessions.get('live', NOW)).toBeDefined()
      expect(await s.interactions.get('expired', NOW)).toBeUndefined()
      expect(await s.interactions.get('live', NOW)).toBeDefined()
      expect(await s.grants.isRevoked('grant-expired', NOW)).toBe(false)
      expect(await s.grants.isRevoked('grant-live', NOW)).toBe(true)
      expect(await s.revokedTokens.has('jti-expired', NOW)).toBe(false)
      expect(await s.revokedTokens.has('jti-live', NOW)).toBe(true)
      // Keys are not purged; `list` filters them by expiry.
      expect(await s.keys.list(NOW)).toHaveLength(1)
    })

    // The SQL stores delete in batches (PURGE_BATCH, 1,000 rows): more than two batches, live rows among them.
    it('deletes every expired row when there are more than a few batches of them', async () => {
      const s = store()
      const expired = 2_345
      for (let n = 0; n < expired; n++) {
        await s.revokedTokens.add(`jti-expired-${n}`, T)
        if (n % 500 === 0) await s.revokedTokens.add(`jti-live-${n}`, T + 1)
      }
      await s.purgeExpired(T)
      for (const n of [0, 999, 1000, 1999, 2000, expired - 1]) expect(await s.revokedTokens.has(`jti-expired-${n}`, NOW)).toBe(false)
      for (const n of [0, 500, 1000, 1500, 2000]) expect(await s.revokedTokens.has(`jti-live-${n}`, NOW)).toBe(true)
    })
  })
}
