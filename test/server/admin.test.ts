import { describe, expect, it } from 'vitest'
import { verifyPassword } from '../../src/crypto/passwords.js'
import { sha256 } from '../../src/crypto/random.js'
import { createClient, createUser, deleteClient, deleteUser, resealClientSecrets, revokeConsent, rotateClientSecret, updateClient, updateUser, ValidationError } from '../../src/server/admin.js'
import { createMemoryStore } from '../../src/storage/memory.js'

const NOW = 1_900_000_000

describe('createClient', () => {
  it('generates ids and secrets that never start with "-", so they can be passed to a command line as they are', async () => {
    const store = createMemoryStore()
    // About one base64url value in 64 starts with '-': 200 clients would all but surely show one.
    for (let i = 0; i < 200; i++) {
      const { client, clientSecret } = await createClient(store, { name: `App ${i}`, redirectUris: ['https://app.example/cb'] }, NOW)
      expect(client.client_id.startsWith('-')).toBe(false)
      expect(clientSecret?.startsWith('-')).toBe(false)
      expect(Buffer.from(client.client_id, 'base64url')).toHaveLength(16)
    }
  })
})

describe('updateClient and rotateClientSecret', () => {
  it('apply the rules of createClient to the merged client, keep what was not named, and audit', async () => {
    const store = createMemoryStore()
    const { client } = await createClient(store, { name: 'App', redirectUris: ['https://app.example/cb'], scopes: ['openid'] }, NOW)
    const updated = await updateClient(store, client.client_id, { redirectUris: ['https://app.example/new-cb'], skipConsent: true })
    expect(updated).toEqual({ ...client, redirect_uris: ['https://app.example/new-cb'], skip_consent: true })
    expect(await store.clients.get(client.client_id)).toEqual(updated)
    await expect(updateClient(store, client.client_id, { redirectUris: [] })).rejects.toThrow(/redirect URI is required/)
    await expect(updateClient(store, client.client_id, { redirectUris: ['https://app.example/cb#frag'] })).rejects.toBeInstanceOf(ValidationError)
    await expect(updateClient(store, client.client_id, { name: '  ' })).rejects.toThrow(/name/)
    expect(await store.clients.get(client.client_id)).toEqual(updated)
    expect(await updateClient(store, 'nobody', { name: 'x' })).toBeUndefined()
    const types = (await store.audit.list({ limit: 10 })).map((record) => record.type)
    expect(types).toEqual(['client.updated', 'client.created'])
  })

  it('rotate a confidential client\'s secret (stored as SHA-256), and refuse for a public client', async () => {
    const store = createMemoryStore()
    const { client, clientSecret } = await createClient(store, { name: 'Job', grantTypes: ['client_credentials'] }, NOW)
    const secret = await rotateClientSecret(store, client.client_id)
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(secret).not.toBe(clientSecret)
    expect((await store.clients.get(client.client_id))?.client_secret_hash).toBe(sha256(secret ?? ''))
    const { client: spa } = await createClient(store, { name: 'SPA', redirectUris: ['https://spa.example/cb'], authMethod: 'none' }, NOW)
    await expect(rotateClientSecret(store, spa.client_id)).rejects.toBeInstanceOf(ValidationError)
    expect(await rotateClientSecret(store, 'nobody')).toBeUndefined()
  })
})

describe('updateUser', () => {
  it('rehashes a new password with Argon2id, changes the profile, and keeps username and sub', async () => {
    const store = createMemoryStore()
    const user = await createUser(store, { username: 'erin', password: 'erin-password', email: 'erin@example.com', emailVerified: true }, NOW)
    const session = { id_hash: 'h', sid: 's', user_id: user.id, auth_time: NOW, created_at: NOW, expires_at: NOW + 3600 }
    await store.sessions.create(session)
    expect(await updateUser(store, user.id, { name: 'Erin E' }, NOW + 30)).toMatchObject({ name: 'Erin E' })
    expect(await store.sessions.get('h', NOW + 30)).toEqual(session)
    const updated = await updateUser(store, user.id, { password: 'a-new-passphrase', name: 'Erin' }, NOW + 60)
    expect(updated).toMatchObject({ id: user.id, username: 'erin', name: 'Erin', email: 'erin@example.com', email_verified: true, updated_at: NOW + 60 })
    expect(updated?.password_hash).toMatch(/^\$argon2id\$/)
    expect(await verifyPassword(updated?.password_hash ?? '', 'a-new-passphrase')).toBe(true)
    expect(await verifyPassword(updated?.password_hash ?? '', 'erin-password')).toBe(false)
    // A new password logs out whoever knew the old one (ASVS 7.4.3).
    expect(await store.sessions.get('h', NOW + 60)).toBeUndefined()
    // A new address is unverified unless said otherwise.
    expect(await updateUser(store, user.id, { email: 'erin@new.example' }, NOW + 120)).toMatchObject({ email: 'erin@new.example', email_verified: false })
    await expect(updateUser(store, user.id, { password: 'short' }, NOW)).rejects.toBeInstanceOf(ValidationError)
    expect(await updateUser(store, 'nobody', { name: 'x' }, NOW)).toBeUndefined()
    const types = (await store.audit.list({ limit: 10 })).map((record) => record.type)
    expect(types).toEqual(['user.updated', 'user.updated', 'user.password_changed', 'user.updated', 'user.created'])
  })
})

describe('redirect URI policy', () => {
  it('refuses on creation and update a redirect URI whose query names an authorization response parameter', async () => {
    const store = createMemoryStore()
    await expect(createClient(store, { name: 'App', redirectUris: ['https://app.example/cb?code=1'] }, NOW)).rejects.toThrow(/query parameter named code/)
    const { client } = await createClient(store, { name: 'App', redirectUris: ['https://app.example/cb?tenant=1'] }, NOW)
    await expect(updateClient(store, client.client_id, { redirectUris: ['https://app.example/cb?iss=x'] })).rejects.toBeInstanceOf(ValidationError)
    await expect(updateClient(store, client.client_id, { postLogoutRedirectUris: ['https://app.example/bye?state=x'] })).rejects.toThrow(/state/)
    expect((await store.clients.get(client.client_id))?.redirect_uris).toEqual(['https://app.example/cb?tenant=1'])
  })
})

describe('admin functions in the audit trail', () => {
  it('record client and user changes and revoked consent, as admin unless told otherwise', async () => {
    const store = createMemoryStore()
    const { client } = await createClient(store, { name: 'Notes', redirectUris: ['https://notes.example/cb'] }, NOW)
    const user = await createUser(store, { username: 'dora', password: 'dora-password' }, NOW, { actor: 'cli' })
    await store.consents.grant(user.id, client.client_id, ['openid'], NOW)
    expect(await revokeConsent(store, user.id, client.client_id, NOW + 60)).toEqual({ consent: true, revokedGrants: 0 })
    expect(await revokeConsent(store, user.id, client.client_id, NOW + 60)).toEqual({ consent: false, revokedGrants: 0 })
    expect(await deleteUser(store, user.id)).toBe(true)
    expect(await deleteClient(store, client.client_id)).toBe(true)
    expect(await deleteClient(store, client.client_id)).toBe(false)
    const records = await store.audit.list({ limit: 10 })
    expect(records.map((r) => [r.type, r.subject, r.client_id, r.details.actor])).toEqual([
      ['client.deleted', null, client.client_id, 'admin'],
      ['user.deleted', user.id, null, 'admin'],
      ['consent.revoked', user.id, client.client_id, 'admin'],
      ['user.created', user.id, null, 'cli'],
      ['client.created', null, client.client_id, 'admin'],
    ])
    expect(JSON.stringify(records)).not.toContain('dora-password')
  })
})

describe('JWT client authentication metadata (issue 15)', () => {
  const ec = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pOyStikYjKIWI5a0', kid: 'k1' }
  const SERVER_SECRET = 'server-secret-server-secret-0123456789'

  it('stores keys and flags for private_key_jwt, without a secret, and refuses what registration refuses', async () => {
    const store = createMemoryStore()
    const { client, clientSecret } = await createClient(store, {
      name: 'Job', grantTypes: ['client_credentials'], authMethod: 'private_key_jwt', jwks: { keys: [ec] }, tokenEndpointAuthSigningAlg: 'ES256',
      requirePushedAuthorizationRequests: true, dpopBoundAccessTokens: true,
    }, NOW)
    expect(clientSecret).toBeUndefined()
    expect(await store.clients.get(client.client_id)).toMatchObject({
      client_secret_hash: null, client_secret_sealed: null, jwks: { keys: [ec] }, jwks_uri: null, token_endpoint_auth_signing_alg: 'ES256',
      require_pushed_authorization_requests: true, dpop_bound_access_tokens: true,
    })
    await expect(createClient(store, { name: 'No keys', grantTypes: ['client_credentials'], authMethod: 'private_key_jwt' }, NOW)).rejects.toThrow(ValidationError)
    await expect(createClient(store, { name: 'Private', grantTypes: ['client_credentials'], authMethod: 'private_key_jwt', jwks: { keys: [{ ...ec, d: 'x' }] } }, NOW)).rejects.toThrow(/public/)
    await expect(rotateClientSecret(store, client.client_id)).rejects.toThrow(/keys, not a secret/)
  })

  it('switches a client from a secret to keys (the hash is dropped) and from jwks to a jwks_uri', async () => {
    const store = createMemoryStore()
    const { client } = await createClient(store, { name: 'Job', grantTypes: ['client_credentials'] }, NOW)
    const switched = await updateClient(store, client.client_id, { authMethod: 'private_key_jwt', jwks: { keys: [ec] } })
    expect(switched).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', client_secret_hash: null, jwks: { keys: [ec] } })
    const byUri = await updateClient(store, client.client_id, { jwksUri: 'https://job.example/jwks' })
    expect(byUri).toMatchObject({ jwks: null, jwks_uri: 'https://job.example/jwks' })
    await expect(updateClient(store, client.client_id, { authMethod: 'none' })).rejects.toThrow(/public/)
  })

  it('seals a client_secret_jwt secret with the server secret and never hashes it', async () => {
    const store = createMemoryStore()
    await expect(createClient(store, { name: 'HS', grantTypes: ['client_credentials'], authMethod: 'client_secret_jwt' }, NOW)).rejects.toThrow(/server secret/)
    const { client, clientSecret } = await createClient(store, { name: 'HS', grantTypes: ['client_credentials'], authMethod: 'client_secret_jwt' }, NOW, { secret: SERVER_SECRET })
    const stored = await store.clients.get(client.client_id)
    expect(stored?.client_secret_hash).toBeNull()
    expect(stored?.client_secret_sealed?.split('.')).toHaveLength(5)
    const { openSealedSecret } = await import('../../src/jwt/sealed-secret.js')
    expect(await openSealedSecret(stored?.client_secret_sealed ?? '', ['another-secret-another-secret-0123', SERVER_SECRET])).toBe(clientSecret)
    const rotated = await rotateClientSecret(store, client.client_id, { secret: SERVER_SECRET })
    expect(await openSealedSecret((await store.clients.get(client.client_id))?.client_secret_sealed ?? '', [SERVER_SECRET])).toBe(rotated)
  })

  it('reseals client_secret_jwt secrets under a new server secret, refusing when no listed secret opens one', async () => {
    const store = createMemoryStore()
    const { client, clientSecret } = await createClient(store, { name: 'HS', grantTypes: ['client_credentials'], authMethod: 'client_secret_jwt' }, NOW, { secret: SERVER_SECRET })
    const NEXT = 'the-next-server-secret-0123456789abcdef'
    await expect(resealClientSecrets(store, [NEXT])).rejects.toThrow(client.client_id)
    expect(await resealClientSecrets(store, [NEXT, SERVER_SECRET])).toEqual([client.client_id])
    const { openSealedSecret } = await import('../../src/jwt/sealed-secret.js')
    const sealed = (await store.clients.get(client.client_id))?.client_secret_sealed ?? ''
    expect(await openSealedSecret(sealed, [NEXT])).toBe(clientSecret)
    expect(await openSealedSecret(sealed, [SERVER_SECRET])).toBeUndefined()
  })
})
