import { describe, expect, it } from 'vitest'
import type { CurrentStore } from '../contract.js'
import { CLIENT_ID, NOW, USER_ID, accessToken, client, refreshToken, user } from '../fixtures.js'

export function consentContract(store: CurrentStore): void {
  describe('consents', () => {
    it('remembers granted scopes and adds later ones as a union', async () => {
      expect(await store().consents.get(USER_ID, CLIENT_ID)).toBeUndefined()
      await store().consents.grant(USER_ID, CLIENT_ID, ['openid', 'profile'], NOW)
      await store().consents.grant(USER_ID, CLIENT_ID, ['profile', 'email'], NOW + 5)
      const consent = await store().consents.get(USER_ID, CLIENT_ID)
      expect(consent).toEqual({ user_id: USER_ID, client_id: CLIENT_ID, scopes: expect.any(Array), created_at: NOW, updated_at: NOW + 5 })
      expect(consent?.scopes.toSorted()).toEqual(['email', 'openid', 'profile'])
    })

    it('keeps every scope of concurrent grants', async () => {
      const scopes = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
      await Promise.all(scopes.map((scope) => store().consents.grant(USER_ID, CLIENT_ID, [scope], NOW)))
      expect((await store().consents.get(USER_ID, CLIENT_ID))?.scopes.toSorted()).toEqual(scopes)
    })

    it('lists by user, as copies, and revokes one client', async () => {
      await store().clients.create(client({ client_id: 'b' }))
      await store().users.create(user({ id: 'user-2', username: 'bob' }))
      await store().consents.grant(USER_ID, 'b', ['openid'], NOW)
      await store().consents.grant(USER_ID, CLIENT_ID, ['openid'], NOW)
      await store().consents.grant('user-2', CLIENT_ID, ['openid'], NOW)

      const listed = await store().consents.listByUser(USER_ID)
      expect(listed.map((c) => c.client_id)).toEqual(['b', CLIENT_ID])
      listed[0]?.scopes.push('admin')
      expect((await store().consents.get(USER_ID, 'b'))?.scopes).toEqual(['openid'])

      expect(await store().consents.revoke(USER_ID, CLIENT_ID)).toBe(true)
      expect(await store().consents.revoke(USER_ID, CLIENT_ID)).toBe(false)
      expect(await store().consents.get(USER_ID, CLIENT_ID)).toBeUndefined()
      expect((await store().consents.listByUser(USER_ID)).map((c) => c.client_id)).toEqual(['b'])
      expect(await store().consents.listByUser('user-2')).toHaveLength(1)
    })

    // A client known by its metadata document (an https client_id) is never stored, yet holds these.
    it('keeps consents and tokens of a client the store does not hold, and deletes them with the user', async () => {
      const url = 'https://app.example/client.json'
      expect(await store().clients.get(url)).toBeUndefined()
      await store().consents.grant(USER_ID, url, ['openid'], NOW)
      await store().refreshTokens.save(refreshToken({ client_id: url }))
      await store().accessTokens.save(accessToken({ client_id: url }))
      expect((await store().consents.get(USER_ID, url))?.scopes).toEqual(['openid'])
      expect((await store().refreshTokens.find('refresh-hash-1', NOW))?.client_id).toBe(url)
      expect((await store().accessTokens.find('access-hash-1', NOW))?.client_id).toBe(url)
      await store().users.delete(USER_ID)
      expect(await store().consents.get(USER_ID, url)).toBeUndefined()
      expect(await store().refreshTokens.find('refresh-hash-1', NOW)).toBeUndefined()
      expect(await store().accessTokens.find('access-hash-1', NOW)).toBeUndefined()
    })
  })
}
