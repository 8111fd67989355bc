import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../../src/server/admin.js'
import { adminApi } from '../../../src/server/admin-api/index.js'
import { createFapi2Client } from '../../../src/server/fapi2/create-client.js'
import { startAdminHarness, type AdminHarness } from '../../helpers/admin-api.js'
import { dpopKey, dpopProof } from '../../helpers/dpop.js'
import { OpenApiDocument } from '../../helpers/openapi.js'
import { RP1, startTestServer } from '../../helpers/tessera.js'

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

// Under the server's profile the admin client itself is a FAPI client: private_key_jwt and a DPoP-bound token.
describe('POST /clients under the server\'s FAPI 2.0 profile', () => {
  it('takes the profile\'s settings where the body leaves them open, and refuses a body that contradicts them, naming the member', async () => {
    const server = await startTestServer({ profile: 'fapi2', capabilities: [adminApi()] })
    try {
      const now = Math.floor(Date.now() / 1000)
      const signing = await generateKeyPair('ES256', { extractable: true })
      await createClient(server.store, {
        name: 'FAPI ops', clientId: 'fapi-ops', authMethod: 'private_key_jwt', grantTypes: ['client_credentials'], scopes: ['admin:read', 'admin:write'],
        jwks: { keys: [{ ...(await exportJWK(signing.publicKey)), kid: 'ops-1', alg: 'ES256' }] }, tokenEndpointAuthSigningAlg: 'ES256', idTokenSignedResponseAlg: 'ES256',
      }, now)
      const issuer = ((await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { issuer: string }).issuer
      const assertion = await new SignJWT({ iss: 'fapi-ops', sub: 'fapi-ops', aud: issuer, jti: randomUUID(), iat: now, exp: now + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'ops-1' }).sign(signing.privateKey)
      const dpop = await dpopKey()
      const issued = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await dpopProof(dpop, { htm: 'POST', htu: `${server.url}/token` }) },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'fapi-ops', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }).toString(),
      })
      const { access_token: token } = (await issued.json()) as { access_token: string }
      expect(issued.status).toBe(200)
      const openapi = await OpenApiDocument.fetch(`${server.url}/admin/v1/openapi.json`, `${server.url}/admin/v1`)
      const post = async (body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
        const url = `${server.url}/admin/v1/clients`
        const proof = await dpopProof(dpop, { htm: 'POST', htu: url, accessToken: token })
        const response = await fetch(url, { method: 'POST', headers: { authorization: `DPoP ${token}`, dpop: proof, 'content-type': 'application/json' }, body: JSON.stringify(body) })
        const text = await response.text()
        openapi.check('POST', url, { status: response.status, headers: response.headers, text })
        return { status: response.status, json: JSON.parse(text) as Record<string, unknown> }
      }
      const keys = { keys: [{ ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)), kid: 'job-1' }] }
      const secretBased = await post({ client_name: 'Weak job', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' })
      expect(secretBased.status).toBe(400)
      expect(secretBased.json.errors).toEqual([expect.objectContaining({ pointer: '/token_endpoint_auth_method' })])
      const unbound = await post({ client_name: 'Unbound job', grant_types: ['client_credentials'], jwks: keys, dpop_bound_access_tokens: false })
      expect(unbound.status).toBe(400)
      expect(unbound.json.errors).toEqual([expect.objectContaining({ pointer: '/dpop_bound_access_tokens' })])
      const names = (await server.store.clients.list()).map((client) => client.client_name)
      expect(names).not.toContain('Weak job')
      expect(names).not.toContain('Unbound job')
      const made = await post({ client_name: 'Bank job', grant_types: ['client_credentials'], jwks: keys })
      expect(made.status).toBe(201)
      expect(made.json.client).toMatchObject({
        token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', require_pushed_authorization_requests: true,
        dpop_bound_access_tokens: true, id_token_signed_response_alg: 'ES256',
      })
    } finally {
      await server.close()
    }
  })
})
