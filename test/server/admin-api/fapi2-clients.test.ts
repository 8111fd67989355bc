import { exportJWK, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFapi2Client } from '../../../src/server/fapi2/create-client.js'
import { startAdminHarness, type AdminHarness } from '../../helpers/admin-api.js'
import { RP1 } from '../../helpers/tessera.js'

// A client registered under the per-client FAPI 2.0 profile (`client create --profile fapi2`) cannot be
// weakened through the admin API: each change that leaves the profile is a 400 problem naming the member,
// and nothing is written (the rules are src/server/fapi2/client-profile.ts's, as for `client update`).

let api: AdminHarness
let token: string
const id = 'bank-app'

beforeAll(async () => {
  api = await startAdminHarness()
  token = await api.token(api.admins.full)
  const { publicKey } = await generateKeyPair('ES256', { extractable: true })
  await createFapi2Client(api.server.store, {
    name: 'Bank app', clientId: id, redirectUris: [RP1], grantTypes: ['authorization_code'], scopes: ['openid'],
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'bank-1' }] },
  }, Math.floor(Date.now() / 1000))
})
afterAll(() => api.close())

describe('PATCH /clients/{client_id} of a FAPI 2.0 client', () => {
  it('refuses every change that leaves the profile, naming the member; other changes go through', async () => {
    const before = await api.server.store.clients.get(id)
    const etag = (await api.call('GET', `/clients/${id}`, { token })).headers.get('etag') ?? ''
    const weakenings: Array<[Record<string, unknown>, string]> = [
      [{ token_endpoint_auth_method: 'client_secret_basic' }, '/token_endpoint_auth_method'],
      [{ token_endpoint_auth_signing_alg: 'RS256' }, '/token_endpoint_auth_signing_alg'],
      [{ token_endpoint_auth_signing_alg: null }, '/token_endpoint_auth_signing_alg'],
      [{ require_pushed_authorization_requests: false }, '/require_pushed_authorization_requests'],
      [{ dpop_bound_access_tokens: false }, '/dpop_bound_access_tokens'],
      [{ id_token_signed_response_alg: 'RS256' }, '/id_token_signed_response_alg'],
      [{ request_object_signing_alg: 'RS256' }, '/request_object_signing_alg'],
    ]
    for (const [body, pointer] of weakenings) {
      const refused = await api.call('PATCH', `/clients/${id}`, { token, body, headers: { 'if-match': etag } })
      expect(refused.status, pointer).toBe(400)
      expect(refused.headers.get('content-type')).toBe('application/problem+json')
      expect(refused.json.errors, pointer).toEqual([expect.objectContaining({ pointer })])
      expect(refused.json.detail).toContain('FAPI 2.0')
    }
    expect(await api.server.store.clients.get(id)).toEqual(before)

    const renamed = await api.call('PATCH', `/clients/${id}`, { token, body: { client_name: 'Bank app (renamed)', request_object_signing_alg: 'PS256' }, headers: { 'if-match': etag } })
    expect(renamed.status).toBe(200)
    expect(renamed.json.client).toMatchObject({ client_name: 'Bank app (renamed)', token_endpoint_auth_method: 'private_key_jwt', dpop_bound_access_tokens: true })
    // An ordinary client on the same server keeps the server's rules.
    const conf = await api.call('GET', '/clients/conf', { token })
    const plain = await api.call('PATCH', '/clients/conf', { token, body: { dpop_bound_access_tokens: false }, headers: { 'if-match': conf.headers.get('etag') ?? '' } })
    expect(plain.status).toBe(200)
  })
})
