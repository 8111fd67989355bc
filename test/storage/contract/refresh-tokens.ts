import { describe, expect, it } from 'vitest'
import { REFRESH_SUCCESSOR } from '../../../src/storage/refresh-successors.js'
import type { CurrentStore } from '../contract.js'
import { CLIENT_ID, NOW, USER_ID, client, code, refreshToken } from '../fixtures.js'

const next = (n: number) => refreshToken({ token_hash: `refresh-next-${n}`, created_at: NOW + 1 })

export function refreshTokenContract(store: CurrentStore): void {
  describe('refresh tokens', () => {
    it('finds a saved token until its expires_at, as a copy', async () => {
      await store().refreshTokens.save(refreshToken())
      const found = await store().refreshTokens.find('refresh-hash-1', NOW)
      expect(found).toEqual(refreshToken())
      found?.scopes.push('admin')
      expect(await store().refreshTokens.find('refresh-hash-1', NOW + 3599)).toEqual(refreshToken())
      expect(await store().refreshTokens.find('refresh-hash-1', NOW + 3600)).toBeUndefined()
      expect(await store().refreshTokens.find('no-such-token', NOW)).toBeUndefined()
    })

    // RFC 9700 §4.14.2: the server must see a rotated token to detect its reuse.
    it('rotates once; the old token is then found consumed and reported as reused', async () => {
      await store().refreshTokens.save(refreshToken())
      expect(await store().refreshTokens.rotate('refresh-hash-1', next(1), NOW + 1)).toEqual({
        status: 'rotated',
        previous: refreshToken({ consumed_at: NOW + 1 }),
      })
      expect(await store().refreshTokens.find('refresh-next-1', NOW + 1)).toEqual(next(1))
      expect(await store().refreshTokens.find('refresh-hash-1', NOW + 1)).toEqual(refreshToken({ consumed_at: NOW + 1 }))

      expect(await store().refreshTokens.rotate('refresh-hash-1', next(2), NOW + 2)).toEqual({
        status: 'reused',
        previous: refreshToken({ consumed_at: NOW + 1 }),
      })
      expect(await store().refreshTokens.find('refresh-next-2', NOW + 2)).toBeUndefined()
    })

    // The rotation grace (lifetimes.refreshTokenReuseGrace): the winner's successor is kept, sealed by the
    // server, and a late copy of the rotated token gets it back instead of a new family.
    it('keeps a rotation\'s successor until `keep.until`: a later rotation of the old token is reused with it', async () => {
      await store().refreshTokens.save(refreshToken())
      const keep = { sealed: 'sealed-successor-1', until: NOW + 11 }
      expect(await store().refreshTokens.rotate('refresh-hash-1', next(1), NOW + 1, keep)).toEqual({ status: 'rotated', previous: refreshToken({ consumed_at: NOW + 1 }) })
      expect(await store().refreshTokens.rotate('refresh-hash-1', next(2), NOW + 10)).toEqual({
        status: 'reused',
        previous: refreshToken({ consumed_at: NOW + 1 }),
        successor: 'sealed-successor-1',
      })
      expect(await store().refreshTokens.find('refresh-next-2', NOW + 10)).toBeUndefined()
      const late = await store().refreshTokens.rotate('refresh-hash-1', next(3), NOW + 11)
      expect(late).toEqual({ status: 'reused', previous: refreshToken({ consumed_at: NOW + 1 }) })
      expect(late).not.toHaveProperty('successor')
      // The successor itself is untouched by all of it.
      expect(await store().refreshTokens.find('refresh-next-1', NOW + 11)).toEqual(next(1))
    })

    it('gives no kept successor once the successor was rotated itself, or its grant revoked', async () => {
      await store().refreshTokens.save(refreshToken())
      await store().refreshTokens.rotate('refresh-hash-1', next(1), NOW + 1, { sealed: 'sealed-1', until: NOW + 30 })
      await store().refreshTokens.rotate('refresh-next-1', next(2), NOW + 2, { sealed: 'sealed-2', until: NOW + 30 })
      const reused = await store().refreshTokens.rotate('refresh-hash-1', next(3), NOW + 3)
      expect(reused.status).toBe('reused')
      expect(reused).not.toHaveProperty('successor')
      // The newest link still has its own.
      expect(await store().refreshTokens.rotate('refresh-next-1', next(4), NOW + 3)).toMatchObject({ status: 'reused', successor: 'sealed-2' })

      await store().grants.revoke('grant-1', NOW + 3600)
      expect(await store().refreshTokens.rotate('refresh-next-1', next(5), NOW + 4)).toEqual({ status: 'unknown' })
    })

    it('hands every loser of concurrent rotations with `keep` the one winner\'s successor', async () => {
      await store().refreshTokens.save(refreshToken())
      const results = await Promise.all(Array.from({ length: 20 }, (_, n) => store().refreshTokens.rotate('refresh-hash-1', next(n), NOW + 1, { sealed: `sealed-${n}`, until: NOW + 10 })))
      const won = results.findIndex((result) => result.status === 'rotated')
      expect(results.filter((result) => result.status === 'rotated')).toHaveLength(1)
      expect(results.filter((result) => result.status === 'reused' && result.successor === `sealed-${won}`)).toHaveLength(19)
      const stored = await Promise.all(Array.from({ length: 20 }, (_, n) => store().refreshTokens.find(`refresh-next-${n}`, NOW + 1)))
      expect(stored.filter(Boolean)).toEqual([next(won)])
    })

    it('erases a kept successor when expired records are purged, and with its user', async () => {
      await store().refreshTokens.save(refreshToken())
      await store().refreshTokens.save(refreshToken({ token_hash: 'refresh-hash-2', grant_id: 'grant-2' }))
      await store().refreshTokens.rotate('refresh-hash-1', next(1), NOW + 1, { sealed: 'sealed-1', until: NOW + 10 })
      await store().refreshTokens.rotate('refresh-hash-2', next(2), NOW + 1, { sealed: 'sealed-2', until: NOW + 100 })
      await store().purgeExpired(NOW + 10)
      // Asked at a time inside the grace: only a purge that really deleted the sealed copy answers without it.
      expect(await store().refreshTokens.rotate('refresh-hash-1', next(3), NOW + 5)).not.toHaveProperty('successor')
      expect(await store().refreshTokens.rotate('refresh-hash-2', next(4), NOW + 5)).toMatchObject({ successor: 'sealed-2' })
      expect(await store().records.listBySubject(REFRESH_SUCCESSOR, USER_ID)).toHaveLength(1)
      await store().users.delete(USER_ID)
      expect(await store().records.listBySubject(REFRESH_SUCCESSOR, USER_ID)).toEqual([])
    })

    it('gives unknown when rotating an unknown or expired token, storing nothing', async () => {
      await store().refreshTokens.save(refreshToken({ expires_at: NOW + 10 }))
      expect(await store().refreshTokens.rotate('no-such-token', next(1), NOW)).toEqual({ status: 'unknown' })
      expect(await store().refreshTokens.rotate('refresh-hash-1', next(2), NOW + 10)).toEqual({ status: 'unknown' })
      expect(await store().refreshTokens.find('refresh-next-1', NOW)).toBeUndefined()
      expect(await store().refreshTokens.find('refresh-next-2', NOW)).toBeUndefined()
    })

    it('lets exactly one of 20 concurrent rotations win; the others see reuse', async () => {
      await store().refreshTokens.save(refreshToken())
      const results = await Promise.all(Array.from({ length: 20 }, (_, n) => store().refreshTokens.rotate('refresh-hash-1', next(n), NOW + 1)))
      expect(results.filter((r) => r.status === 'rotated')).toHaveLength(1)
      expect(results.filter((r) => r.status === 'reused')).toHaveLength(19)
      const stored = await Promise.all(Array.from({ length: 20 }, (_, n) => store().refreshTokens.find(`refresh-next-${n}`, NOW + 1)))
      expect(stored.filter(Boolean)).toHaveLength(1)
    })

    it('rotates a chain once per link under concurrency: exactly one successor per token', async () => {
      await store().refreshTokens.save(refreshToken())
      let current = 'refresh-hash-1'
      for (let link = 1; link <= 3; link++) {
        const candidates = Array.from({ length: 10 }, (_, n) => refreshToken({ token_hash: `link-${link}-${n}`, created_at: NOW + link }))
        const results = await Promise.all(candidates.map((candidate) => store().refreshTokens.rotate(current, candidate, NOW + link)))
        const won = results.findIndex((r) => r.status === 'rotated')
        expect(results.filter((r) => r.status === 'rotated')).toHaveLength(1)
        expect(results.filter((r) => r.status === 'reused')).toHaveLength(9)
        current = `link-${link}-${won}`
      }
      expect(await store().refreshTokens.find(current, NOW + 4)).toEqual(refreshToken({ token_hash: current, created_at: NOW + 3 }))
    })

    // RFC 9700 §4.14.2: on reuse the server revokes the family; the successor the winner got goes too.
    it('after a reuse, revoking the grant leaves no token of the family, the new one included', async () => {
      await store().refreshTokens.save(refreshToken())
      const results = await Promise.all(Array.from({ length: 10 }, (_, n) => store().refreshTokens.rotate('refresh-hash-1', next(n), NOW + 1)))
      const reused = results.find((r) => r.status === 'reused')
      expect(reused).toBeDefined()
      if (reused?.status === 'reused') await store().grants.revoke(reused.previous.grant_id, reused.previous.expires_at)
      const found = await Promise.all(['refresh-hash-1', ...Array.from({ length: 10 }, (_, n) => `refresh-next-${n}`)].map((hash) => store().refreshTokens.find(hash, NOW + 2)))
      expect(found.filter(Boolean)).toEqual([])
    })

    it('leaves no usable token when rotations race a revocation of the grant', async () => {
      await store().refreshTokens.save(refreshToken())
      const rotations = Array.from({ length: 10 }, (_, n) => store().refreshTokens.rotate('refresh-hash-1', next(n), NOW + 1))
      await Promise.all([...rotations, store().grants.revoke('grant-1', NOW + 3600)])
      const found = await Promise.all(['refresh-hash-1', ...Array.from({ length: 10 }, (_, n) => `refresh-next-${n}`)].map((hash) => store().refreshTokens.find(hash, NOW + 2)))
      expect(found.filter(Boolean)).toEqual([])
      expect(await store().refreshTokens.rotate('refresh-hash-1', next(99), NOW + 2)).toEqual({ status: 'unknown' })
    })

    it('neither finds nor rotates a token once its grant is revoked', async () => {
      await store().refreshTokens.save(refreshToken())
      await store().grants.revoke('grant-1', NOW + 100)
      expect(await store().refreshTokens.find('refresh-hash-1', NOW)).toBeUndefined()
      expect(await store().refreshTokens.rotate('refresh-hash-1', next(1), NOW)).toEqual({ status: 'unknown' })
      expect(await store().refreshTokens.find('refresh-next-1', NOW)).toBeUndefined()
    })

    it('refuses a token saved after its grant was revoked, while the revocation lasts', async () => {
      await store().grants.revoke('grant-1', NOW + 100)
      await store().refreshTokens.save(refreshToken())
      expect(await store().refreshTokens.find('refresh-hash-1', NOW + 99)).toBeUndefined()
      expect(await store().refreshTokens.rotate('refresh-hash-1', next(1), NOW + 99)).toEqual({ status: 'unknown' })
    })
  })

  describe('grants', () => {
    it('revokes until the given time and deletes the whole family', async () => {
      await store().refreshTokens.save(refreshToken())
      await store().refreshTokens.save(refreshToken({ token_hash: 'refresh-sibling', consumed_at: NOW }))
      await store().refreshTokens.save(refreshToken({ token_hash: 'refresh-other', grant_id: 'grant-2' }))
      await store().grants.revoke('grant-1', NOW + 100)

      expect(await store().grants.isRevoked('grant-1', NOW + 99)).toBe(true)
      expect(await store().grants.isRevoked('grant-1', NOW + 100)).toBe(false)
      expect(await store().grants.isRevoked('grant-2', NOW)).toBe(false)
      // Deleted, not just hidden: still gone once the revocation has lapsed.
      expect(await store().refreshTokens.find('refresh-hash-1', NOW + 101)).toBeUndefined()
      expect(await store().refreshTokens.find('refresh-sibling', NOW + 101)).toBeUndefined()
      expect(await store().refreshTokens.find('refresh-other', NOW)).toBeDefined()
    })

    it('never shortens an earlier revocation', async () => {
      await store().grants.revoke('grant-1', NOW + 100)
      await store().grants.revoke('grant-1', NOW + 10)
      expect(await store().grants.isRevoked('grant-1', NOW + 50)).toBe(true)
      await store().grants.revoke('grant-1', NOW + 200)
      expect(await store().grants.isRevoked('grant-1', NOW + 150)).toBe(true)
    })

    it('keeps the latest end of concurrent revocations of one grant', async () => {
      await Promise.all([30, 10, 50, 20, 40].map((seconds) => store().grants.revoke('grant-1', NOW + seconds)))
      expect(await store().grants.isRevoked('grant-1', NOW + 49)).toBe(true)
      expect(await store().grants.isRevoked('grant-1', NOW + 50)).toBe(false)
    })

    it('revokes every grant of one user for one client and counts them once', async () => {
      await store().clients.create(client({ client_id: 'b' }))
      await store().refreshTokens.save(refreshToken())
      await store().refreshTokens.save(refreshToken({ token_hash: 'refresh-rotated', consumed_at: NOW }))
      await store().codes.save(code({ grant_id: 'grant-code-only' }))
      await store().refreshTokens.save(refreshToken({ token_hash: 'refresh-b', client_id: 'b', grant_id: 'grant-b' }))

      expect(await store().grants.revokeByUserAndClient(USER_ID, CLIENT_ID, NOW + 100)).toBe(2)
      expect(await store().grants.isRevoked('grant-1', NOW)).toBe(true)
      expect(await store().grants.isRevoked('grant-code-only', NOW)).toBe(true)
      expect(await store().grants.isRevoked('grant-b', NOW)).toBe(false)
      expect(await store().refreshTokens.find('refresh-hash-1', NOW + 101)).toBeUndefined()
      expect(await store().refreshTokens.find('refresh-b', NOW)).toBeDefined()

      expect(await store().grants.revokeByUserAndClient(USER_ID, CLIENT_ID, NOW + 100)).toBe(0)
      // A second later (the clock ticked between two "disconnect" clicks): still 0, though the code's grant,
      // found again through its code, keeps the later horizon.
      expect(await store().grants.revokeByUserAndClient(USER_ID, CLIENT_ID, NOW + 101)).toBe(0)
      expect(await store().grants.isRevoked('grant-code-only', NOW + 100)).toBe(true)
      expect(await store().grants.revokeByUserAndClient('nobody', CLIENT_ID, NOW + 100)).toBe(0)
    })
  })

  // RFC 7009 §2.2 for access tokens: remembered by jti until they would have expired anyway.
  describe('revoked access tokens', () => {
    it('remembers a jti until its expiry and never shortens it', async () => {
      await store().revokedTokens.add('jti-1', NOW + 60)
      expect(await store().revokedTokens.has('jti-1', NOW + 59)).toBe(true)
      expect(await store().revokedTokens.has('jti-1', NOW + 60)).toBe(false)
      expect(await store().revokedTokens.has('jti-2', NOW)).toBe(false)
      await store().revokedTokens.add('jti-1', NOW + 10)
      expect(await store().revokedTokens.has('jti-1', NOW + 30)).toBe(true)
    })

    it('keeps the latest expiry of concurrent revocations of one jti', async () => {
      await Promise.all([30, 10, 50, 20, 40].map((seconds) => store().revokedTokens.add('jti-1', NOW + seconds)))
      expect(await store().revokedTokens.has('jti-1', NOW + 49)).toBe(true)
      expect(await store().revokedTokens.has('jti-1', NOW + 50)).toBe(false)
    })
  })
}
