import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../../src/server/admin.js'
import { adminApi } from '../../../src/server/admin-api/index.js'
import { startAdminHarness, type AdminHarness } from '../../helpers/admin-api.js'
import { dpopKey, dpopProof } from '../../helpers/dpop.js'
import { basicAuth, clientPost } from '../../helpers/tessera.js'

// The kinds of tokens the admin API takes: DPoP-bound ones with their proof (RFC 9449 §7), opaque ones
// (introspected in process), and a revoked one refused at once.

describe('DPoP-bound admin tokens', () => {
  let api: AdminHarness
  beforeAll(async () => {
    api = await startAdminHarness()
  })
  afterAll(() => api.close())

  it('are accepted with a proof under the DPoP scheme and refused as Bearer tokens', async () => {
    const key = await dpopKey()
    const proof = await dpopProof(key, { htm: 'POST', htu: `${api.server.url}/token` })
    const tokenResponse = await fetch(`${api.server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(api.admins.full), dpop: proof },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    })
    const issued = (await tokenResponse.json()) as { access_token: string; token_type: string }
    expect(issued.token_type).toBe('DPoP')
    const url = `${api.server.url}/admin/v1/keys`
    const withProof = await api.call('GET', '/keys', { headers: { authorization: `DPoP ${issued.access_token}`, dpop: await dpopProof(key, { htm: 'GET', htu: url, accessToken: issued.access_token }) } })
    expect(withProof.status).toBe(200)
    const asBearer = await api.call('GET', '/keys', { token: issued.access_token })
    expect(asBearer.status).toBe(401)
    const otherKey = await api.call('GET', '/keys', { headers: { authorization: `DPoP ${issued.access_token}`, dpop: await dpopProof(await dpopKey(), { htm: 'GET', htu: url, accessToken: issued.access_token }) } })
    expect(otherKey.status).toBe(401)
  })
})

describe('opaque admin tokens', () => {
  let api: AdminHarness
  beforeAll(async () => {
    api = await startAdminHarness({ accessTokenFormat: 'opaque' })
  })
  afterAll(() => api.close())

  it('are introspected in process, and a revoked one is refused at once', async () => {
    const token = await api.token(api.admins.full)
    expect(token.split('.')).toHaveLength(1)
    expect((await api.call('GET', '/clients?limit=1', { token })).status).toBe(200)
    expect((await clientPost(api.server, '/revoke', api.admins.full, { token })).status).toBe(200)
    const refused = await api.call('GET', '/clients?limit=1', { token })
    expect(refused.status).toBe(401)
    expect(refused.json.error).toBe('invalid_token')
  })

  it('of a client registered with an admin scope outside the operator\'s hands are refused: defence in depth', async () => {
    // Written straight into the store, as no registration path allows it.
    const { client, clientSecret } = await createClient(api.server.store, { name: 'Odd', clientId: 'odd', grantTypes: ['client_credentials'], scopes: ['admin:read'] }, Math.floor(Date.now() / 1000))
    await api.server.store.clients.update({ ...client, registered_by: 'dynamic' })
    const token = await api.token({ id: 'odd', secret: clientSecret, method: 'client_secret_basic', redirectUri: '' })
    expect((await api.call('GET', '/keys', { token })).status).toBe(403)
  })
})

describe('user tokens without adminApi({ admins })', () => {
  let api: AdminHarness
  beforeAll(async () => {
    api = await startAdminHarness()
  })
  afterAll(() => api.close())

  it('are refused by default, whoever the user; client-credentials tokens still work', async () => {
    const refused = await api.call('GET', '/keys', { token: await api.userToken(api.server.users.alice) })
    expect(refused.status).toBe(403)
    expect(refused.json.detail).toMatch(/not an administrator/)
    expect((await api.call('GET', '/keys', { token: await api.token(api.admins.full) })).status).toBe(200)
  })

  it('an empty name in admins stops the start', () => {
    expect(() => adminApi({ admins: ['alice', ' '] })).toThrow(/adminApi\.admins\[1\]/)
  })
})
