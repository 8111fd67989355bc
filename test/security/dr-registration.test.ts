/**
 * Catalogue §9 and wave 2 §15 — dynamic client registration (RFC 7591) and management (RFC 7592) (DR), and
 * registration flooding (RL-04). Black-box over HTTP against `tessera-oidc serve`'s server with the
 * `dynamicRegistration` capability.
 *
 * Tessera fetches no client URL at registration: members that would need a fetch (`sector_identifier_uri`,
 * `request_uris`…) are refused, display URIs are stored and never loaded, by the server or by the consent page
 * (DR-04, DR-13). A `jwks_uri` (https only) is fetched through the SSRF guard when the client authenticates
 * with `private_key_jwt` (ja-jwt-client-auth.test.ts, JA-08); `private_key_jwt` without keys is refused (DR-03).
 *
 * DR-15 runs with a server clock moved forward (only `Date` is faked) and with 30 registrations instead of
 * the catalogue's 1,000: the purge reads expired clients in batches by index, so the count only scales time.
 */
import { createServer, type Socket } from 'node:net'
import { describe, expect, it, vi } from 'vitest'
import { sha256 } from '../../src/crypto/random.js'
import { setClientDisabled } from '../../src/server/admin.js'
import { AUTHORIZATION_CODE } from '../../src/storage/kinds/codes.js'
import { createInitialAccessToken, dynamicRegistration } from '../../src/server/rfc7591/index.js'
import { Browser } from '../helpers/http-client.js'
import { RP1, type TestClient, type TestServer } from '../helpers/tessera.js'
import {
  authorizationFlow, authorizationRequest, expectErrorPage, expectTokenError, introspect, redeem, securityServerForFile,
  refresh, sendAuthorization, userinfo, withSecurityServer,
} from './helpers.js'

const server = await securityServerForFile({ capabilities: [dynamicRegistration({ policy: 'open', requestsPerAddress: 10_000 })] })

type Json = Record<string, unknown>

async function register(target: TestServer, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${target.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
}

async function registered(body: Json, target: TestServer = server): Promise<Json> {
  const response = await register(target, body)
  expect(response.status, JSON.stringify(await response.clone().json())).toBe(201)
  return (await response.json()) as Json
}

async function expectRegistrationError(response: Response, error: 'invalid_redirect_uri' | 'invalid_client_metadata'): Promise<void> {
  expect(response.status).toBe(400)
  expect(((await response.json()) as Json).error).toBe(error)
}

function configuration(info: Json, method: string, token: string | undefined, body?: unknown): Promise<Response> {
  return fetch(String(info.registration_client_uri), {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

function asTestClient(info: Json, redirectUri = RP1): TestClient {
  const secret = typeof info.client_secret === 'string' ? info.client_secret : undefined
  return { id: String(info.client_id), secret, method: String(info.token_endpoint_auth_method), redirectUri }
}

const BASE = { redirect_uris: [RP1], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }

describe('DR dynamic client registration', () => {
  it('DR-01 registration answers 201 with server-chosen identifiers and credentials, stored hashed', async () => {
    const info = await registered({ ...BASE, client_name: 'Notes CLI', client_id: 'alice-sub', client_secret: 'chosen-secret', scope: 'openid profile offline_access' })
    expect(info.client_id).not.toBe('alice-sub')
    expect(info.client_id).not.toBe(server.users.alice.id)
    expect(String(info.client_id)).not.toMatch(/^https:\/\//)
    expect(info.client_secret).toEqual(expect.any(String))
    expect(info.client_secret).not.toBe('chosen-secret')
    expect(info.client_secret_expires_at).toBe(0)
    expect(info.registration_access_token).toEqual(expect.any(String))
    expect(info.registration_client_uri).toBe(`${server.url}/register/${String(info.client_id)}`)
    expect(info).toMatchObject({ client_name: 'Notes CLI', redirect_uris: [RP1], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: 'openid profile offline_access' })
    const stored = await server.store.clients.get(String(info.client_id))
    expect(stored?.client_secret_hash).toBe(sha256(String(info.client_secret)))
    expect(stored?.registration_access_token_hash).toBe(sha256(String(info.registration_access_token)))
    const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Json
    expect(discovery.registration_endpoint).toBe(`${server.url}/register`)
  })

  it('DR-02 refuses dangerous, fragment, wildcard, relative and non-loopback http redirect URIs with invalid_redirect_uri', async () => {
    for (const uri of ['https://app.test/cb#frag', 'javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,x', 'vbscript:x', 'file:///etc/passwd', 'http://evil.test/cb', 'https://*.evil.test/cb', '/cb?code=x']) {
      await expectRegistrationError(await register(server, { ...BASE, redirect_uris: [uri] }), 'invalid_redirect_uri')
    }
    await expectRegistrationError(await register(server, { ...BASE, redirect_uris: [] }), 'invalid_redirect_uri')
  })

  it('DR-03 refuses unsupported grant types, response types, auth methods and alg none with invalid_client_metadata', async () => {
    for (const changes of [
      { grant_types: ['password'] }, { grant_types: ['implicit'] }, { response_types: ['token'] }, { response_types: ['code id_token'] },
      { token_endpoint_auth_method: 'bogus' }, { token_endpoint_auth_method: 'private_key_jwt' }, { id_token_signed_response_alg: 'none' },
      { grant_types: ['client_credentials'], response_types: ['code'] },
    ]) {
      await expectRegistrationError(await register(server, { ...BASE, ...changes }), 'invalid_client_metadata')
    }
  })

  it('DR-04 members that would make the server fetch a URL are refused; display URLs are never fetched', async () => {
    for (const member of ['jwks_uri', 'sector_identifier_uri', 'initiate_login_uri']) {
      await expectRegistrationError(await register(server, { ...BASE, [member]: 'http://169.254.169.254/' }), 'invalid_client_metadata')
    }
    await expectRegistrationError(await register(server, { ...BASE, request_uris: ['file:///etc/passwd'] }), 'invalid_client_metadata')
    for (const uri of ['http://169.254.169.254/', 'file:///etc/passwd', 'http://127.0.0.1:4000/admin']) {
      await expectRegistrationError(await register(server, { ...BASE, logo_uri: uri }), 'invalid_client_metadata')
    }
    // A capture server: an https display URL pointing at it is accepted, and nothing ever connects to it.
    const connections: Socket[] = []
    const capture = createServer((socket) => connections.push(socket))
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve))
    try {
      const port = (capture.address() as { port: number }).port
      const base = `https://127.0.0.1:${port}`
      const info = await registered({ ...BASE, logo_uri: `${base}/logo.png`, client_uri: `${base}/`, policy_uri: `${base}/p`, tos_uri: `${base}/t` })
      const flow = await authorizationFlow(server, new Browser(), asTestClient(info))
      expect(flow.consentHtml).not.toContain(`127.0.0.1:${port}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(connections).toHaveLength(0)
    } finally {
      for (const socket of connections) socket.destroy()
      await new Promise((resolve) => capture.close(resolve))
    }
  })

  it('DR-06 the configuration endpoint answers only its own registration access token; PUT validates again', async () => {
    const x = await registered({ ...BASE, client_name: 'X' })
    const y = await registered({ ...BASE, client_name: 'Y' })
    const ownToken = String(x.registration_access_token)
    const foreignToken = String(y.registration_access_token)
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const body = method === 'PUT' ? { ...BASE, client_id: x.client_id } : undefined
      for (const token of [undefined, foreignToken, 'not-a-registration-access-token']) {
        const response = await configuration(x, method, token, body)
        expect(response.status).toBe(401)
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /)
      }
    }
    const read = await configuration(x, 'GET', ownToken)
    expect(read.status).toBe(200)
    expect(((await read.json()) as Json).client_id).toBe(x.client_id)
    await expectRegistrationError(await configuration(x, 'PUT', ownToken, { ...BASE, client_id: x.client_id, redirect_uris: [RP1, 'http://evil.test/cb'] }), 'invalid_redirect_uri')
    const updated = await configuration(x, 'PUT', ownToken, { ...BASE, client_id: x.client_id, client_name: 'X renamed' })
    expect(updated.status).toBe(200)
    const renamed = (await updated.json()) as Json
    expect(renamed.client_name).toBe('X renamed')
    expect((await configuration(x, 'DELETE', String(renamed.registration_access_token))).status).toBe(204)
    expect((await configuration(y, 'GET', foreignToken)).status).toBe(200)
  })

  it('DR-07 with the token policy, registration needs a valid initial access token, used once', async () => {
    await withSecurityServer({ capabilities: [dynamicRegistration({ policy: 'token' })] }, async (tokenServer) => {
      const missing = await register(tokenServer, BASE)
      expect(missing.status).toBe(401)
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /)
      const wrong = await register(tokenServer, BASE, { authorization: 'Bearer not-an-initial-access-token' })
      expect(wrong.status).toBe(401)
      expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"')
      const { token } = await createInitialAccessToken(tokenServer.store, { now: Math.floor(Date.now() / 1000), expiresIn: 3600 })
      await expectRegistrationError(await register(tokenServer, { ...BASE, grant_types: ['password'] }, { authorization: `Bearer ${token}` }), 'invalid_client_metadata')
      expect((await register(tokenServer, BASE, { authorization: `Bearer ${token}` })).status).toBe(201)
      expect((await register(tokenServer, BASE, { authorization: `Bearer ${token}` })).status).toBe(401)
      const expired = await createInitialAccessToken(tokenServer.store, { now: Math.floor(Date.now() / 1000) - 7200, expiresIn: 3600 })
      expect((await register(tokenServer, BASE, { authorization: `Bearer ${expired.token}` })).status).toBe(401)
    })
  })

  it('DR-07 the consent page escapes the client name, marks the client unverified and shows no logo or link of its own', async () => {
    const info = await registered({
      ...BASE, client_name: '<img src=x onerror=alert(1)>', logo_uri: 'https://app.test/logo.png', policy_uri: 'https://app.test/policy', tos_uri: 'https://app.test/tos',
    })
    const flow = await authorizationFlow(server, new Browser(), asTestClient(info))
    const html = flow.consentHtml ?? ''
    expect(html).not.toContain('<img src=x')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain('id="unverified"')
    expect(html).not.toContain('app.test')
  })

  it('DR-08 open registration cannot get privileged scopes, impossible combinations or first-party treatment', async () => {
    await expectRegistrationError(await register(server, { ...BASE, client_name: 'Tessera Account', scope: 'openid admin offline_access' }), 'invalid_client_metadata')
    await expectRegistrationError(await register(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' }), 'invalid_client_metadata')
    const browser = new Browser()
    // Alice uses the first-party app, which skips consent ...
    const firstParty = await authorizationFlow(server, browser, server.clients.firstParty)
    expect(firstParty.shown).not.toContain('consent')
    // ... and a look-alike registered by anyone gets the full consent screen, marked, with its redirect host.
    const lookAlike = await registered({ ...BASE, client_name: 'Tessera Account', software_id: 'tessera-account', skip_consent: true })
    const flow = await authorizationFlow(server, browser, asTestClient(lookAlike))
    expect(flow.shown).toEqual(['consent'])
    expect(flow.consentHtml).toContain('id="unverified"')
    expect(flow.consentHtml).toContain('127.0.0.1:5000')
    expect(flow.consentHtml).toContain('id="localhost-warning"')
  })

  it('DR-09 the registration access token works only at its configuration endpoint, rotates on update, and DELETE kills the client\'s tokens and codes', async () => {
    const info = await registered({ ...BASE, client_name: 'X', scope: 'openid profile offline_access' })
    const x = asTestClient(info)
    const rat = String(info.registration_access_token)
    const browser = new Browser()
    const flow = await authorizationFlow(server, browser, x, { overrides: { scope: 'openid offline_access', prompt: 'consent' } })
    const tokens = (await (await redeem(server, x, flow)).json()) as { access_token: string; refresh_token: string }
    // (a) nowhere else: userinfo, introspection; and X's access token is no key to the configuration endpoint.
    expect((await userinfo(server, rat)).status).toBe(401)
    expect(await (await introspect(server, server.clients.conf, rat)).json()).toEqual({ active: false })
    expect((await configuration(info, 'GET', tokens.access_token)).status).toBe(401)
    // (b) reading twice keeps the token; an update rotates it (RFC 7592 §3): the new one in the answer, the old one dead.
    expect((await configuration(info, 'GET', rat)).status).toBe(200)
    const again = await configuration(info, 'GET', rat)
    expect(((await again.json()) as Json).registration_access_token).toBe(rat)
    const update = { ...BASE, client_id: info.client_id, scope: 'openid profile offline_access' }
    const put = await configuration(info, 'PUT', rat, update)
    expect(put.status).toBe(200)
    const current = String(((await put.json()) as Json).registration_access_token)
    expect(current).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(current).not.toBe(rat)
    expect((await configuration(info, 'GET', rat)).status).toBe(401)
    expect((await configuration(info, 'PUT', rat, update)).status).toBe(401)
    expect((await configuration(info, 'DELETE', rat)).status).toBe(401)
    const read = await configuration(info, 'GET', current)
    expect(((await read.json()) as Json).registration_access_token).toBe(current)
    expect((await server.store.clients.get(x.id))?.registration_access_token_hash).toBe(sha256(current))
    // (d) delete: the token is dead, and so are X's tokens and its unused code — gone from the store, not only refused.
    const unused = await authorizationFlow(server, browser, x, { overrides: { scope: 'openid' } })
    const codeHash = sha256(unused.code ?? '')
    const now = () => Math.floor(Date.now() / 1000)
    expect(await server.store.records.get(AUTHORIZATION_CODE, codeHash, now())).toBeDefined()
    expect((await configuration(info, 'DELETE', current)).status).toBe(204)
    expect((await configuration(info, 'GET', current)).status).toBe(401)
    expect((await configuration(info, 'PUT', current, { ...BASE, client_id: info.client_id })).status).toBe(401)
    expect(await server.store.records.get(AUTHORIZATION_CODE, codeHash, now())).toBeUndefined()
    await expectTokenError(await redeem(server, x, unused), ['invalid_client', 'invalid_grant'])
    await expectTokenError(await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${x.id}:${x.secret ?? ''}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }).toString(),
    }), ['invalid_client', 'invalid_grant'])
    expect((await userinfo(server, tokens.access_token)).status).toBe(401)
    expect(await (await introspect(server, server.clients.conf, tokens.access_token)).json()).toEqual({ active: false })
    expect(await server.store.clients.get(x.id)).toBeUndefined()
  })

  it('DR-09 an admin-disabled client cannot authorize or get tokens, and its registration access token cannot enable or re-key it', async () => {
    const info = await registered({ ...BASE, client_name: 'X', scope: 'openid offline_access' })
    const x = asTestClient(info)
    const rat = String(info.registration_access_token)
    const browser = new Browser()
    const flow = await authorizationFlow(server, browser, x, { overrides: { scope: 'openid offline_access', prompt: 'consent' } })
    const tokens = (await (await redeem(server, x, flow)).json()) as { access_token: string; refresh_token: string }
    const unused = await authorizationFlow(server, browser, x, { overrides: { scope: 'openid' } })
    expect(await setClientDisabled(server.store, x.id, true)).toMatchObject({ disabled: true })
    const before = await server.store.clients.get(x.id)

    // (c) nothing works for the client: authorization, its code, its refresh and access tokens.
    await expectErrorPage(await sendAuthorization(server, browser, authorizationRequest(x).params))
    await expectTokenError(await redeem(server, x, unused), 'invalid_client', 401)
    await expectTokenError(await refresh(server, x, tokens.refresh_token), 'invalid_client', 401)
    expect((await userinfo(server, tokens.access_token)).status).toBe(401)
    expect(await (await introspect(server, server.clients.conf, tokens.access_token)).json()).toEqual({ active: false })
    // The RAT re-enables nothing and re-keys nothing: the same metadata, `enabled: true`, becoming public and back.
    for (const body of [{ ...BASE, client_id: x.id }, { ...BASE, client_id: x.id, enabled: true }, { ...BASE, client_id: x.id, token_endpoint_auth_method: 'none' }]) {
      const response = await configuration(info, 'PUT', rat, body)
      expect(response.status).toBe(401)
      expect(await response.text()).not.toContain('client_secret')
    }
    expect((await configuration(info, 'GET', rat)).status).toBe(401)
    expect((await configuration(info, 'DELETE', rat)).status).toBe(401)
    expect(await server.store.clients.get(x.id)).toEqual(before)

    // Only the operator enables it again; then its grant and its registration access token work as before.
    await setClientDisabled(server.store, x.id, false)
    expect((await refresh(server, x, tokens.refresh_token)).status).toBe(200)
    expect((await configuration(info, 'GET', rat)).status).toBe(200)
    const audit = await server.store.audit.list({ type: ['client.disabled', 'client.enabled'], clientId: x.id, limit: 10 })
    expect(audit.map((record) => record.type).sort()).toEqual(['client.disabled', 'client.enabled'])
  })

  it('DR-12 application_type rules: native takes loopback, reverse-domain schemes and https; web takes https only', async () => {
    const native = { ...BASE, application_type: 'native', token_endpoint_auth_method: 'none' }
    for (const uri of ['com.example.app:/cb', 'http://127.0.0.1/cb', 'http://[::1]/cb', 'http://localhost/cb', 'https://app.test/cb']) {
      expect((await register(server, { ...native, redirect_uris: [uri] })).status).toBe(201)
    }
    for (const uri of ['http://app.test/cb', 'myapp://cb', 'javascript:/x']) {
      await expectRegistrationError(await register(server, { ...native, redirect_uris: [uri] }), 'invalid_redirect_uri')
    }
    // RFC 8252 §8.5: a declared native app is public.
    await expectRegistrationError(await register(server, { ...native, token_endpoint_auth_method: 'client_secret_basic' }), 'invalid_client_metadata')
    await expectRegistrationError(await register(server, { ...BASE, application_type: 'web', redirect_uris: ['http://127.0.0.1:7000/cb'] }), 'invalid_redirect_uri')
    await expectRegistrationError(await register(server, { ...BASE, application_type: 'web', redirect_uris: ['com.example.app:/cb'] }), 'invalid_redirect_uri')
    // Documented policy: no application_type and only loopback redirect URIs → native (MCP clients register so).
    const inferred = await registered({ ...BASE, token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:7000/cb'] })
    expect(inferred.application_type).toBe('native')
    // Redirect URIs match exactly, for every client: another port is an error page (no RFC 8252 §7.3 any-port rule).
    const client = asTestClient(inferred, 'http://127.0.0.1:7000/cb')
    const { params } = authorizationRequest(client, { redirect_uri: 'http://127.0.0.1:7001/cb' })
    await expectErrorPage(await sendAuthorization(server, new Browser(), params))
  })

  it('DR-13 display URIs: dangerous schemes, http and oversized are refused; IDN hosts are kept in punycode', async () => {
    for (const member of ['logo_uri', 'client_uri', 'policy_uri', 'tos_uri']) {
      for (const uri of ['javascript:alert(1)', 'data:text/html,<h1>x', 'http://app.test/x', `https://app.test/${'a'.repeat(8192)}`]) {
        await expectRegistrationError(await register(server, { ...BASE, [member]: uri }), 'invalid_client_metadata')
      }
    }
    const info = await registered({ ...BASE, client_uri: 'https://аpple.test/', logo_uri: 'https://xn--pple-43d.test/logo.png', policy_uri: 'https://other-host.test/x' })
    expect(info.client_uri).toBe('https://xn--pple-43d.test/')
    expect(info.logo_uri).toBe('https://xn--pple-43d.test/logo.png')
    // Cross-host URIs are stored but never shown: the consent page names only the redirect host.
    const flow = await authorizationFlow(server, new Browser(), asTestClient(info))
    expect(flow.consentHtml).not.toContain('other-host.test')
    expect(flow.consentHtml).not.toContain('xn--pple')
    expect(flow.consentHtml).not.toContain('<img')
  })
})

describe('DR registration lifetime', () => {
  it('DR-15 unused registrations expire and are purged, active clients stay, and client_secret_expires_at is the enforced deadline', async () => {
    const HOUR = 3600
    const options = { policy: 'open', requestsPerAddress: 10_000, unusedClientSeconds: HOUR, clientSecretSeconds: 2 * HOUR } as const
    await withSecurityServer({ capabilities: [dynamicRegistration(options)] }, async (target) => {
      const baseline = (await target.store.clients.list()).length
      const machine = { redirect_uris: [], grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'notes:read' }
      const clientCredentials = (info: Json) => fetch(`${target.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${String(info.client_id)}:${String(info.client_secret)}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'notes:read' }).toString(),
      })
      const registrations: Json[] = []
      for (let i = 0; i < 30; i++) registrations.push(await registered(machine, target))
      const web = await registered({ ...BASE, client_name: 'Never used' }, target)
      for (const info of [...registrations, web]) {
        // RFC 7591 §3.2.1: the deadline the server enforces, in seconds since the epoch.
        expect(info.client_secret_expires_at).toBe(Number(info.client_id_issued_at) + 2 * HOUR)
      }
      const active = registrations.slice(0, 3)
      for (const info of active) expect((await clientCredentials(info)).status).toBe(200)
      expect((await target.store.clients.list()).length).toBe(baseline + 31)

      vi.useFakeTimers({ toFake: ['Date'] })
      try {
        vi.setSystemTime(Date.now() + (HOUR + 1) * 1000)
        // Unused: unknown at the token and authorization endpoints and to its registration access token.
        await expectTokenError(await clientCredentials(registrations[5] ?? {}), 'invalid_client', 401)
        await expectErrorPage(await sendAuthorization(target, new Browser(), authorizationRequest(asTestClient(web)).params))
        expect((await configuration(web, 'GET', String(web.registration_access_token))).status).toBe(401)
        for (const info of active) expect((await clientCredentials(info)).status).toBe(200)
        // The next registration purges the expired ones: storage is back to the baseline plus the clients in use.
        const next = await registered(machine, target)
        const dynamic = (await target.store.clients.list()).filter((client) => client.registered_by === 'dynamic').map((client) => client.client_id)
        expect(dynamic.sort()).toEqual([...active, next].map((info) => String(info.client_id)).sort())
        expect((await target.store.clients.list()).length).toBe(baseline + active.length + 1)

        // Past client_secret_expires_at the secret no longer authenticates; an RFC 7592 update issues a new one.
        vi.setSystemTime(Date.now() + HOUR * 1000)
        const expired = active[0] ?? {}
        await expectTokenError(await clientCredentials(expired), 'invalid_client', 401)
        const put = await configuration(expired, 'PUT', String(expired.registration_access_token), { ...machine, client_id: expired.client_id })
        expect(put.status).toBe(200)
        const renewed = (await put.json()) as Json
        expect(renewed.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
        expect(renewed.client_secret_expires_at).toBe(Math.floor(Date.now() / 1000) + 2 * HOUR)
        expect((await clientCredentials(renewed)).status).toBe(200)
      } finally {
        vi.useRealTimers()
      }
    })
  })

  it('DR-15 without a secret lifetime, client_secret_expires_at is 0 and the secret keeps working', async () => {
    const info = await registered({ redirect_uris: [], grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'notes:read' })
    expect(info.client_secret_expires_at).toBe(0)
    expect((await server.store.clients.get(String(info.client_id)))?.client_secret_expires_at).toBeNull()
  })
})

describe('RL registration flooding', () => {
  it('RL-04 registrations from one address end in 429 past the threshold; oversized metadata is a 400', async () => {
    await withSecurityServer({ capabilities: [dynamicRegistration({ policy: 'open', requestsPerAddress: 5, requestWindowSeconds: 60 })] }, async (limited) => {
      const statuses: number[] = []
      for (let i = 0; i < 8; i++) statuses.push((await register(limited, BASE)).status)
      expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429])
      const refused = await register(limited, BASE)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    })
    const many = Array.from({ length: 10_000 }, (_, i) => `https://app.test/cb/${i}`)
    const oversized = await register(server, { ...BASE, redirect_uris: many })
    expect([400, 413]).toContain(oversized.status)
    await expectRegistrationError(await register(server, { ...BASE, redirect_uris: many.slice(0, 21) }), 'invalid_redirect_uri')
  })
})
