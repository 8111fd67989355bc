import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../src/crypto/random.js'
import type { OAuthResponse } from '../../../src/http/types.js'
import { dynamicRegistration } from '../../../src/server/rfc7591/index.js'
import { cliRegistry } from '../../../src/cli/capabilities.js'
import { createHarness, ISSUER, json, START, type Harness } from '../../helpers/server-values.js'

const DAY = 86_400

function sendJson(harness: Harness, method: string, path: string, body: unknown, token?: string): Promise<OAuthResponse> {
  const headers = new Headers({ 'content-type': 'application/json' })
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`)
  return harness.server.handle({ method, url: new URL(path, ISSUER), headers, body: new TextEncoder().encode(JSON.stringify(body)), remoteAddress: '127.0.0.1' })
}

async function registeredHarness(options: Partial<Parameters<typeof dynamicRegistration>[0]> = {}): Promise<Harness> {
  return createHarness({ capabilities: [dynamicRegistration({ policy: 'open', unusedClientSeconds: 7 * DAY, ...options })] })
}

const PUBLIC_APP = { redirect_uris: ['http://127.0.0.1:8123/cb'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], client_name: 'CLI' }

describe('dynamic registration through handle()', () => {
  it('stores a dynamic client with its metadata, hashed RAT and unused-client deadline, and audits it', async () => {
    const harness = await registeredHarness()
    const response = await sendJson(harness, 'POST', '/register', { ...PUBLIC_APP, contacts: ['ops@app.example'], client_uri: 'https://app.example/' })
    expect(response.status).toBe(201)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const info = json(response)
    expect(info.client_secret).toBeUndefined()
    expect(info.client_secret_expires_at).toBeUndefined()
    const stored = await harness.store.clients.get(String(info.client_id))
    expect(stored).toMatchObject({
      registered_by: 'dynamic', application_type: 'native', skip_consent: false, contacts: ['ops@app.example'], client_uri: 'https://app.example/',
      registration_access_token_hash: sha256(String(info.registration_access_token)), expires_at: START + 7 * DAY, client_secret_hash: null,
    })
    const audit = await harness.store.audit.list({ type: ['client.registered'], limit: 100 })
    expect(audit.map((record) => record.client_id)).toEqual([info.client_id])
  })

  it('an unused dynamic client expires (unknown at the token endpoint) and is purged on a later registration; a used one stays', async () => {
    const harness = await registeredHarness()
    const unused = json(await sendJson(harness, 'POST', '/register', PUBLIC_APP))
    const used = json(await sendJson(harness, 'POST', '/register', { ...PUBLIC_APP, grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post', redirect_uris: [], scope: 'openid' }))
    const token = await harness.send('POST', '/token', { form: { grant_type: 'client_credentials', client_id: String(used.client_id), client_secret: String(used.client_secret) } })
    expect(token.status).toBe(200)
    expect((await harness.store.clients.get(String(used.client_id)))?.expires_at).toBeNull()

    harness.clock.now = START + 7 * DAY + 1
    const refused = await harness.send('POST', '/token', { form: { grant_type: 'authorization_code', client_id: String(unused.client_id), code: 'x', redirect_uri: PUBLIC_APP.redirect_uris[0] ?? '', code_verifier: 'v'.repeat(43) } })
    expect(json(refused).error).toBe('invalid_client')
    expect((await sendJson(harness, 'GET', `/register/${String(unused.client_id)}`, undefined, String(unused.registration_access_token))).status).toBe(401)
    await sendJson(harness, 'POST', '/register', PUBLIC_APP)
    expect(await harness.store.clients.get(String(unused.client_id))).toBeUndefined()
    expect(await harness.store.clients.get(String(used.client_id))).toBeDefined()
    expect((await harness.store.audit.list({ type: ['client.registration_expired'], limit: 100 })).map((record) => record.client_id)).toEqual([unused.client_id])
  })

  it('RFC 7592 update replaces the metadata; becoming confidential issues a secret once; client_id must match', async () => {
    const harness = await registeredHarness()
    const info = json(await sendJson(harness, 'POST', '/register', PUBLIC_APP))
    const rat = String(info.registration_access_token)
    const path = `/register/${String(info.client_id)}`
    expect(json(await sendJson(harness, 'PUT', path, { ...PUBLIC_APP, client_id: 'other' }, rat)).error).toBe('invalid_request')
    expect(json(await sendJson(harness, 'PUT', path, { ...PUBLIC_APP, client_id: info.client_id, registration_access_token: rat }, rat)).error).toBe('invalid_request')
    const updated = await sendJson(harness, 'PUT', path, { ...PUBLIC_APP, client_id: info.client_id, token_endpoint_auth_method: 'client_secret_basic', client_name: 'CLI 2' }, rat)
    expect(updated.status).toBe(200)
    const body = json(updated)
    expect(body).toMatchObject({ client_name: 'CLI 2', token_endpoint_auth_method: 'client_secret_basic', client_secret_expires_at: 0 })
    // RFC 7592 §3: the update rotated the registration access token.
    const rotated = String(body.registration_access_token)
    expect(rotated).not.toBe(rat)
    expect((await sendJson(harness, 'GET', path, undefined, rat)).status).toBe(401)
    expect((await harness.store.clients.get(String(info.client_id)))?.client_secret_hash).toBe(sha256(String(body.client_secret)))
    const read = json(await sendJson(harness, 'GET', path, undefined, rotated))
    expect(read.client_secret).toBeUndefined()
    expect((await harness.store.audit.list({ type: ['client.registration_updated'], limit: 100 })).length).toBe(1)
  })

  it('operator clients cannot be managed through RFC 7592, and the registration endpoint takes only JSON POSTs', async () => {
    const harness = await registeredHarness()
    expect((await sendJson(harness, 'GET', '/register/app', undefined, 'anything')).status).toBe(401)
    expect((await harness.send('GET', '/register')).status).toBe(405)
    const form = await harness.send('POST', '/register', { form: { redirect_uris: 'https://a.example/cb' } })
    expect(json(form).error).toBe('invalid_client_metadata')
    expect((await sendJson(harness, 'POST', '/register/abc', PUBLIC_APP)).status).toBe(405)
  })

  it('is absent unless registered, and its options are validated at construction', async () => {
    const harness = await createHarness()
    expect((await sendJson(harness, 'POST', '/register', PUBLIC_APP)).status).toBe(404)
    expect(harness.server.metadata()).not.toHaveProperty('registration_endpoint')
    expect(() => dynamicRegistration({ policy: 'off' as 'open' })).toThrow(/policy/)
    expect(() => dynamicRegistration({ policy: 'open', unusedClientSeconds: 0 })).toThrow(/unusedClientSeconds/)
    expect(() => dynamicRegistration({ policy: 'open', clientSecretSeconds: 1.5 })).toThrow(/clientSecretSeconds/)
    expect([...cliRegistry.auditEvents.keys()]).toContain('client.registered')
  })

  it('limits the scopes a dynamic client may register to the configured set', async () => {
    const harness = await registeredHarness({ scopes: ['openid', 'profile'] })
    expect(json(await sendJson(harness, 'POST', '/register', { ...PUBLIC_APP, scope: 'openid notes:read' })).error).toBe('invalid_client_metadata')
    expect(json(await sendJson(harness, 'POST', '/register', PUBLIC_APP)).scope).toBe('openid profile')
  })
})
