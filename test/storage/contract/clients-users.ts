import { describe, expect, it } from 'vitest'
import { StorageConflictError } from '../../../src/storage/types.js'
import type { CurrentStore } from '../contract.js'
import { CLIENT_ID, NOW, USER_ID, client, code, refreshToken, session, user } from '../fixtures.js'

export function clientAndUserContract(store: CurrentStore): void {
  describe('clients', () => {
    it('round-trips every field, public clients included', async () => {
      const pub = client({ client_id: 'public', client_secret_hash: null, token_endpoint_auth_method: 'none', skip_consent: true, created_at: NOW + 1 })
      await store().clients.create(pub)
      expect(await store().clients.get('public')).toEqual(pub)
      expect(await store().clients.get(CLIENT_ID)).toEqual(client())
      expect(await store().clients.list()).toEqual([client(), pub])
      expect(await store().clients.get('nobody')).toBeUndefined()
    })

    it('returns copies, not references into the store', async () => {
      const input = client({ client_id: 'b' })
      await store().clients.create(input)
      input.redirect_uris.push('https://evil.example/')
      const read = await store().clients.get('b')
      read?.scopes.push('admin')
      ;(await store().clients.list())[0]?.grant_types.push('client_credentials')
      expect(await store().clients.get('b')).toEqual(client({ client_id: 'b' }))
      expect(await store().clients.get(CLIENT_ID)).toEqual(client())
    })

    it('lists the clients expired at a time, soonest first and at most the limit', async () => {
      await store().clients.create(client({ client_id: 'late', expires_at: NOW + 30, created_at: NOW - 10 }))
      await store().clients.create(client({ client_id: 'early', expires_at: NOW + 10 }))
      await store().clients.create(client({ client_id: 'future', expires_at: NOW + 100 }))
      const ids = async (query: { expiredAt?: number; limit?: number }) => (await store().clients.list(query)).map((c) => c.client_id)
      expect(await ids({ expiredAt: NOW + 30 })).toEqual(['early', 'late'])
      expect(await ids({ expiredAt: NOW + 30, limit: 1 })).toEqual(['early'])
      expect(await ids({ expiredAt: NOW })).toEqual([])
      expect(await ids({ limit: 2 })).toEqual(['late', CLIENT_ID])
      expect(await store().clients.list({ expiredAt: NOW + 10 })).toEqual([client({ client_id: 'early', expires_at: NOW + 10 })])
    })

    it('finds clients expired at a time however their deadlines arrived: created, updated or left by a deletion', async () => {
      const ids = async (expiredAt: number) => (await store().clients.list({ expiredAt })).map((c) => c.client_id)
      await store().clients.create(client({ client_id: 'far', expires_at: NOW + 100 }))
      expect(await ids(NOW + 50)).toEqual([])
      await store().clients.create(client({ client_id: 'soon', expires_at: NOW + 20 }))
      expect(await ids(NOW + 50)).toEqual(['soon'])
      expect(await store().clients.update(client({ client_id: 'far', expires_at: NOW + 10 }))).toBe(true)
      expect(await ids(NOW + 50)).toEqual(['far', 'soon'])
      expect(await store().clients.delete('far')).toBe(true)
      expect(await ids(NOW + 50)).toEqual(['soon'])
      expect(await store().clients.update(client({ client_id: 'soon', expires_at: null }))).toBe(true)
      expect(await ids(NOW + 50)).toEqual([])
      expect(await ids(NOW + 1000)).toEqual([])
    })

    it('rejects a duplicate client_id with StorageConflictError', async () => {
      await expect(store().clients.create(client({ client_name: 'Other' }))).rejects.toBeInstanceOf(StorageConflictError)
      expect((await store().clients.get(CLIENT_ID))?.client_name).toBe('Client A')
    })

    it('updates every field but client_id and created_at, keeping its tokens; false for an unknown client', async () => {
      await store().refreshTokens.save(refreshToken())
      const changed = client({
        client_secret_hash: 'new-hash', client_name: 'Renamed', redirect_uris: ['https://a.example/new'], post_logout_redirect_uris: ['https://a.example/bye'],
        grant_types: ['client_credentials'], scopes: ['notes:read'], token_endpoint_auth_method: 'client_secret_post', id_token_signed_response_alg: 'ES256',
        skip_consent: true, created_at: NOW + 500, application_type: 'native', client_uri: 'https://a.example/', logo_uri: 'https://a.example/logo.png',
        policy_uri: 'https://a.example/policy', tos_uri: 'https://a.example/tos', contacts: ['ops@a.example'], registered_by: 'dynamic',
        registration_access_token_hash: 'rat-hash', expires_at: NOW + 3600, client_secret_expires_at: NOW + 7200, disabled: true,
      })
      expect(await store().clients.update(changed)).toBe(true)
      expect(await store().clients.get(CLIENT_ID)).toEqual({ ...changed, created_at: client().created_at })
      expect(await store().refreshTokens.find('refresh-hash-1', NOW)).toBeDefined()
      expect(await store().clients.update(client({ client_id: 'nobody' }))).toBe(false)
      expect(await store().clients.get('nobody')).toBeUndefined()
    })

    it('deletes the client with its codes, refresh tokens and consents, sparing other clients', async () => {
      await store().clients.create(client({ client_id: 'b' }))
      await store().codes.save(code())
      await store().codes.save(code({ code_hash: 'code-b', client_id: 'b', grant_id: 'grant-b' }))
      await store().refreshTokens.save(refreshToken())
      await store().refreshTokens.save(refreshToken({ token_hash: 'refresh-b', client_id: 'b', grant_id: 'grant-b' }))
      await store().consents.grant(USER_ID, CLIENT_ID, ['openid'], NOW)
      await store().consents.grant(USER_ID, 'b', ['openid'], NOW)

      expect(await store().clients.delete(CLIENT_ID)).toBe(true)
      expect(await store().clients.get(CLIENT_ID)).toBeUndefined()
      expect(await store().codes.consume('code-hash-1', NOW)).toEqual({ status: 'unknown' })
      expect(await store().refreshTokens.find('refresh-hash-1', NOW)).toBeUndefined()
      expect(await store().consents.get(USER_ID, CLIENT_ID)).toBeUndefined()

      expect((await store().codes.consume('code-b', NOW)).status).toBe('consumed')
      expect(await store().refreshTokens.find('refresh-b', NOW)).toBeDefined()
      expect(await store().consents.get(USER_ID, 'b')).toBeDefined()
      expect(await store().clients.delete(CLIENT_ID)).toBe(false)
    })
  })

  describe('users', () => {
    it('updates every field but id, username and created_at; false for an unknown user', async () => {
      const changed = user({ username: 'renamed', password_hash: '$argon2id$new', name: 'New Name', given_name: 'New', family_name: 'Name', email: 'new@example.com', email_verified: true, picture: null, created_at: NOW + 500, updated_at: NOW + 600, disabled: true })
      expect(await store().users.update(changed)).toBe(true)
      const expected = { ...changed, username: user().username, created_at: user().created_at }
      expect(await store().users.get(USER_ID)).toEqual(expected)
      expect(await store().users.getByUsername(user().username)).toEqual(expected)
      expect(await store().users.getByUsername('renamed')).toBeUndefined()
      expect(await store().users.update(user({ id: 'nobody', username: 'nobody' }))).toBe(false)
    })

    it('keeps the disabled switch through updates and in lists, and switches it back', async () => {
      await store().users.update(user({ disabled: true, updated_at: NOW + 1 }))
      expect((await store().users.get(USER_ID))?.disabled).toBe(true)
      expect((await store().users.getByUsername('alice'))?.disabled).toBe(true)
      expect((await store().users.list()).map((entry) => entry.disabled)).toEqual([true])
      await store().users.update(user({ disabled: false, updated_at: NOW + 2 }))
      expect(await store().users.get(USER_ID)).toEqual(user({ updated_at: NOW + 2 }))
    })

    it('round-trips every field and finds by id and username', async () => {
      const bob = user({ id: 'user-2', username: 'bob', email: null, email_verified: false, given_name: 'Bob', family_name: 'B', picture: 'https://p.example/b.png', created_at: NOW + 1, updated_at: NOW + 2 })
      await store().users.create(bob)
      expect(await store().users.get('user-2')).toEqual(bob)
      expect(await store().users.getByUsername('bob')).toEqual(bob)
      expect(await store().users.getByUsername('alice')).toEqual(user())
      expect(await store().users.list()).toEqual([user(), bob])
      expect(await store().users.get('nobody')).toBeUndefined()
      expect(await store().users.getByUsername('nobody')).toBeUndefined()
    })

    it('returns copies, not references into the store', async () => {
      const read = await store().users.get(USER_ID)
      if (read) read.name = 'Mallory'
      const byName = await store().users.getByUsername('alice')
      if (byName) byName.email_verified = false
      expect(await store().users.get(USER_ID)).toEqual(user())
    })

    it('rejects a duplicate username or id with StorageConflictError', async () => {
      await expect(store().users.create(user({ id: 'user-2' }))).rejects.toBeInstanceOf(StorageConflictError)
      await expect(store().users.create(user({ username: 'other' }))).rejects.toBeInstanceOf(StorageConflictError)
      expect(await store().users.list()).toEqual([user()])
    })

    it('deletes the user with sessions, codes, refresh tokens and consents, sparing other users', async () => {
      await store().users.create(user({ id: 'user-2', username: 'bob' }))
      await store().sessions.create(session())
      await store().sessions.create(session({ id_hash: 'session-2', user_id: 'user-2' }))
      await store().codes.save(code())
      await store().refreshTokens.save(refreshToken())
      await store().refreshTokens.save(refreshToken({ token_hash: 'refresh-2', user_id: 'user-2', grant_id: 'grant-2' }))
      await store().consents.grant(USER_ID, CLIENT_ID, ['openid'], NOW)

      expect(await store().users.delete(USER_ID)).toBe(true)
      expect(await store().users.get(USER_ID)).toBeUndefined()
      expect(await store().users.getByUsername('alice')).toBeUndefined()
      expect(await store().sessions.get('session-hash-1', NOW)).toBeUndefined()
      expect(await store().codes.consume('code-hash-1', NOW)).toEqual({ status: 'unknown' })
      expect(await store().refreshTokens.find('refresh-hash-1', NOW)).toBeUndefined()
      expect(await store().consents.listByUser(USER_ID)).toEqual([])

      expect(await store().sessions.get('session-2', NOW)).toBeDefined()
      expect(await store().refreshTokens.find('refresh-2', NOW)).toBeDefined()
      expect(await store().users.delete(USER_ID)).toBe(false)
    })

    it('frees the username of a deleted user for a new account', async () => {
      await store().users.delete(USER_ID)
      await store().users.create(user({ id: 'user-3' }))
      expect((await store().users.getByUsername('alice'))?.id).toBe('user-3')
    })
  })
}
