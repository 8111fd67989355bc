import { describe, expect, it } from 'vitest'
import { StorageConflictError } from '../../../src/storage/types.js'
import type { CurrentStore } from '../contract.js'
import { CLIENT_ID, NOW, USER_ID, accessToken, client, refreshToken, user } from '../fixtures.js'

export function accessTokenContract(store: CurrentStore): void {
  describe('opaque access tokens', () => {
    it('finds a saved token until its expires_at, as a copy', async () => {
      await store().accessTokens.save(accessToken())
      const found = await store().accessTokens.find('access-hash-1', NOW)
      expect(found).toEqual(accessToken())
      found?.scopes.push('admin')
      found?.audience.push('https://evil.example')
      expect(await store().accessTokens.find('access-hash-1', NOW + 299)).toEqual(accessToken())
      expect(await store().accessTokens.find('access-hash-1', NOW + 300)).toBeUndefined()
      expect(await store().accessTokens.find('no-such-token', NOW)).toBeUndefined()
    })

    it('keeps a client-credentials token, without grant or user, as it came', async () => {
      const m2m = accessToken({ token_hash: 'm2m', grant_id: null, user_id: null, subject: CLIENT_ID, auth_time: null, audience: ['https://a.example', 'https://b.example'] })
      await store().accessTokens.save(m2m)
      expect(await store().accessTokens.find('m2m', NOW)).toEqual(m2m)
    })

    it('refuses a second token with the same hash', async () => {
      await store().accessTokens.save(accessToken())
      await expect(store().accessTokens.save(accessToken({ jti: 'other' }))).rejects.toBeInstanceOf(StorageConflictError)
      expect(await store().accessTokens.find('access-hash-1', NOW)).toEqual(accessToken())
    })

    // RFC 7009 §2.2: revocation of an unknown or already revoked token succeeds.
    it('deletes a token at once; deleting again or an unknown token is no error', async () => {
      await store().accessTokens.save(accessToken())
      await store().accessTokens.delete('access-hash-1')
      expect(await store().accessTokens.find('access-hash-1', NOW)).toBeUndefined()
      await expect(store().accessTokens.delete('access-hash-1')).resolves.toBeUndefined()
      await expect(store().accessTokens.delete('no-such-token')).resolves.toBeUndefined()
    })

    // RFC 7009 §2.1 / RFC 9700 §4.14.2: revoking the grant (refresh token revoked or reused, code
    // replayed) ends the access tokens issued under it.
    it('no longer finds the tokens of a revoked grant; other grants and client tokens stay', async () => {
      await store().refreshTokens.save(refreshToken())
      await store().accessTokens.save(accessToken({ token_hash: 'a-1' }))
      await store().accessTokens.save(accessToken({ token_hash: 'a-2' }))
      await store().accessTokens.save(accessToken({ token_hash: 'other-grant', grant_id: 'grant-2' }))
      await store().accessTokens.save(accessToken({ token_hash: 'm2m', grant_id: null, user_id: null, subject: CLIENT_ID }))
      await store().grants.revoke('grant-1', NOW + 3600)
      expect(await store().accessTokens.find('a-1', NOW)).toBeUndefined()
      expect(await store().accessTokens.find('a-2', NOW)).toBeUndefined()
      expect(await store().accessTokens.find('other-grant', NOW)).toBeDefined()
      expect(await store().accessTokens.find('m2m', NOW)).toBeDefined()
    })

    it('no longer finds a token saved for a grant that was already revoked', async () => {
      await store().grants.revoke('grant-1', NOW + 3600)
      await store().accessTokens.save(accessToken())
      expect(await store().accessTokens.find('access-hash-1', NOW)).toBeUndefined()
    })

    // "Disconnect this app": a grant known only by its access tokens (no refresh token, code purged) is
    // revoked too.
    it('revokes by user and client the grants known only from opaque access tokens', async () => {
      await store().accessTokens.save(accessToken({ token_hash: 'a-1' }))
      await store().accessTokens.save(accessToken({ token_hash: 'a-2' }))
      await store().accessTokens.save(accessToken({ token_hash: 'm2m', grant_id: null, user_id: null, subject: CLIENT_ID }))
      expect(await store().grants.revokeByUserAndClient(USER_ID, CLIENT_ID, NOW + 3600)).toBe(1)
      expect(await store().grants.isRevoked('grant-1', NOW)).toBe(true)
      expect(await store().accessTokens.find('a-1', NOW)).toBeUndefined()
      expect(await store().accessTokens.find('m2m', NOW)).toBeDefined()
      expect(await store().grants.revokeByUserAndClient(USER_ID, CLIENT_ID, NOW + 3600)).toBe(0)
    })

    it('deletes the tokens of a deleted client and of a deleted user, not those of others', async () => {
      await store().clients.create(client({ client_id: 'client-b' }))
      await store().users.create(user({ id: 'user-2', username: 'bob' }))
      await store().accessTokens.save(accessToken({ token_hash: 'of-a' }))
      await store().accessTokens.save(accessToken({ token_hash: 'of-b', client_id: 'client-b', grant_id: 'grant-b' }))
      await store().accessTokens.save(accessToken({ token_hash: 'of-bob', client_id: 'client-b', grant_id: 'grant-bob', user_id: 'user-2', subject: 'user-2' }))
      await store().accessTokens.save(accessToken({ token_hash: 'm2m-b', client_id: 'client-b', grant_id: null, user_id: null, subject: 'client-b' }))

      expect(await store().users.delete(USER_ID)).toBe(true)
      expect(await store().accessTokens.find('of-a', NOW)).toBeUndefined()
      expect(await store().accessTokens.find('of-b', NOW)).toBeUndefined()
      expect(await store().accessTokens.find('of-bob', NOW)).toBeDefined()

      expect(await store().clients.delete('client-b')).toBe(true)
      expect(await store().accessTokens.find('of-bob', NOW)).toBeUndefined()
      expect(await store().accessTokens.find('m2m-b', NOW)).toBeUndefined()
    })
  })
}
