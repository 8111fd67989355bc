/**
 * OpenID Connect Back-Channel Logout 1.0 at the provider, over HTTP (catalogue BL-01 to BL-04): which
 * clients get a logout token when a session ends, what it looks like, how it is delivered (form POST
 * through the SSRF guard, never delaying the user's logout, bounded retries, audited), and what it is
 * not good for.
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createClient, createUser, deleteUser, updateUser } from '../../src/server/admin.js'
import { backchannelLogout, setClientBackchannelLogout } from '../../src/server/index.js'
import { dynamicRegistration } from '../../src/server/rfc7591/index.js'
import { submitAccountForm } from '../helpers/account.js'
import { Browser } from '../helpers/http-client.js'
import { accountSelfService } from '../../src/server/account/index.js'
import { startLogoutReceiver, type LogoutReceiver, type ReceivedLogout } from '../helpers/logout-receiver.js'
import { ALL_SCOPES, authorize, clientPost, obtainTokens, RP1, startTestServer, type TestClient, type TestServer } from '../helpers/tessera.js'

const EVENT = 'http://schemas.openid.net/event/backchannel-logout'

let server: TestServer
let receiver: LogoutReceiver
let capture: LogoutReceiver
const bcl = backchannelLogout({ retryDelays: [0.2, 0.2], timeoutMs: 1000 })
const clients: Record<'bclrp' | 'bclrp2' | 'bclrp3', TestClient> = {} as Record<'bclrp' | 'bclrp2' | 'bclrp3', TestClient>

async function addBackchannelClient(id: 'bclrp' | 'bclrp2' | 'bclrp3', uri: string): Promise<void> {
  const { clientSecret } = await createClient(server.store, {
    name: `Client ${id}`, clientId: id, authMethod: 'client_secret_basic', redirectUris: [RP1], postLogoutRedirectUris: [`${RP1}/logged-out`],
    grantTypes: ['authorization_code', 'refresh_token'], scopes: ALL_SCOPES,
  }, Math.floor(Date.now() / 1000))
  await setClientBackchannelLogout(server.store, id, { backchannel_logout_uri: uri, backchannel_logout_session_required: true })
  clients[id] = { id, secret: clientSecret, method: 'client_secret_basic', redirectUri: RP1 }
}

beforeAll(async () => {
  receiver = await startLogoutReceiver()
  capture = await startLogoutReceiver()
  server = await startTestServer({ capabilities: [bcl, dynamicRegistration({ policy: 'open' }), accountSelfService({})], development: { allowLoopbackFetch: true } })
  await addBackchannelClient('bclrp', `${receiver.origin}/bcl/bclrp`)
  await addBackchannelClient('bclrp2', `${receiver.origin}/bcl/bclrp2?tenant=2`)
  await addBackchannelClient('bclrp3', `${receiver.origin}/bcl/bclrp3`)
})

afterEach(async () => {
  await bcl.settled()
  receiver.received.length = 0
})

afterAll(async () => {
  await server?.close()
  await receiver?.close()
  await capture?.close()
})

function logoutToken(received: ReceivedLogout): string {
  return new URLSearchParams(received.body).get('logout_token') ?? ''
}

async function auditOf(type: string): Promise<Record<string, unknown>[]> {
  await server.standalone.server.audit.flush()
  return (await server.store.audit.list({ type, limit: 100 })).map((record) => ({ ...record.details, client_id: record.client_id, user_id: record.subject }))
}

/** Alice signed in at each client in one browser (one provider session); the ID tokens by client. */
async function aliceAt(...names: TestClient[]): Promise<{ browser: Browser; idTokens: Record<string, string> }> {
  const browser = new Browser()
  const idTokens: Record<string, string> = {}
  for (const client of names) {
    const tokens = await obtainTokens(server, { client, user: server.users.alice, scope: 'openid profile offline_access' }, browser)
    idTokens[client.id] = tokens.id_token ?? ''
  }
  return { browser, idTokens }
}

describe('back-channel logout at the provider', () => {
  it('BL-01 sends one well-formed logout token to each back-channel client of the ended session, and none for another session', async () => {
    const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
    expect(discovery).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true })

    const { browser, idTokens } = await aliceAt(clients.bclrp, clients.bclrp2, server.clients.conf)
    const bobBrowser = new Browser()
    await obtainTokens(server, { client: clients.bclrp, user: server.users.bob }, bobBrowser)

    const logout = await browser.get(`${server.url}/logout?id_token_hint=${idTokens.bclrp2 ?? ''}`)
    expect(logout.status).toBe(200)
    await bcl.settled()
    expect(receiver.received.map((entry) => entry.path).sort()).toEqual(['/bcl/bclrp', '/bcl/bclrp2'])

    const jwks = createLocalJWKSet((await (await fetch(`${server.url}/jwks`)).json()) as { keys: [] })
    const sid = decodeJwt(idTokens.bclrp2 ?? '').sid
    expect(typeof sid).toBe('string')
    const jtis = new Set<unknown>()
    for (const entry of receiver.received) {
      const clientId = entry.path.split('/')[2]
      expect(entry.headers['content-type']).toBe('application/x-www-form-urlencoded')
      expect(entry.headers.cookie).toBeUndefined()
      expect(entry.headers.authorization).toBeUndefined()
      expect([...new URLSearchParams(entry.body).keys()]).toEqual(['logout_token'])
      const token = logoutToken(entry)
      const header = decodeProtectedHeader(token)
      expect(header.typ).toBe('logout+jwt')
      expect(discovery.id_token_signing_alg_values_supported).toContain(header.alg)
      const { payload } = await jwtVerify(token, jwks, { issuer: server.url, audience: clientId ?? '', typ: 'logout+jwt' })
      expect(payload.events).toEqual({ [EVENT]: {} })
      expect(payload.sid).toBe(sid)
      expect(payload.sub).toBe(server.users.alice.id)
      expect(payload).not.toHaveProperty('nonce')
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(120)
      jtis.add(payload.jti)
    }
    expect(jtis.size).toBe(2)
    expect(await auditOf('backchannel_logout.sent')).toEqual(expect.arrayContaining([
      expect.objectContaining({ client_id: 'bclrp', sid, status: 200, attempt: 1, reason: 'logout' }),
      expect.objectContaining({ client_id: 'bclrp2', sid, status: 200, attempt: 1, reason: 'logout' }),
    ]))
  })

  it('BL-01 also tells the clients when the user signs out everywhere on the account page', async () => {
    const { browser } = await aliceAt(clients.bclrp)
    const answer = await submitAccountForm(server.url, browser, server.users.alice, '/account/sessions/revoke-all', {})
    expect(answer.status).toBe(200)
    await bcl.settled()
    expect(receiver.received.map((entry) => entry.path)).toEqual(['/bcl/bclrp'])
    expect(await auditOf('backchannel_logout.sent')).toEqual(expect.arrayContaining([expect.objectContaining({ client_id: 'bclrp', reason: 'revoked' })]))
  })

  it('BL-01 sends logout tokens for sessions ended without the server: an admin password change and a deleted user (queued in the store)', async () => {
    const carol = await createUser(server.store, { username: `carol-${Date.now()}`, password: 'carol-password' }, Math.floor(Date.now() / 1000))
    const browser = new Browser()
    await obtainTokens(server, { client: clients.bclrp, user: { id: carol.id, username: carol.username, password: 'carol-password' } }, browser)
    await updateUser(server.store, carol.id, { password: 'carol-new-password' }, Math.floor(Date.now() / 1000), { actor: 'cli' })
    // Nothing is sent until a running server takes the queue (`tessera-oidc serve` does every 5 s).
    expect(receiver.received).toEqual([])
    await server.standalone.server.runBackgroundTasks()
    await bcl.settled()
    expect(receiver.received.map((entry) => [entry.path, decodeJwt(logoutToken(entry)).sub])).toEqual([['/bcl/bclrp', carol.id]])
    // Taken once: a second run (another instance) finds nothing.
    await server.standalone.server.runBackgroundTasks()
    await bcl.settled()
    expect(receiver.received).toHaveLength(1)

    receiver.received.length = 0
    await obtainTokens(server, { client: clients.bclrp2, user: { id: carol.id, username: carol.username, password: 'carol-new-password' } }, new Browser())
    expect(await deleteUser(server.store, carol.id, { actor: 'cli' })).toBe(true)
    await server.standalone.server.runBackgroundTasks()
    await bcl.settled()
    expect(receiver.received.map((entry) => [entry.path, decodeJwt(logoutToken(entry)).sub])).toEqual([['/bcl/bclrp2', carol.id]])
    expect(await auditOf('backchannel_logout.sent')).toEqual(expect.arrayContaining([expect.objectContaining({ client_id: 'bclrp2', reason: 'user_deleted' })]))
  })

  it('BL-02 refuses special-use, fragment, non-http(s) and (outside loopback) plain-http URIs at registration and update', async () => {
    const register = (metadata: Record<string, unknown>) => fetch(`${server.url}/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['https://app.test/cb'], client_name: 'bcl', ...metadata }),
    })
    for (const uri of ['http://169.254.169.254/x', 'http://10.0.0.1/', 'https://10.0.0.1/', 'file:///etc/passwd', 'https://app.test/bcl#f', 'http://app.test/bcl']) {
      const response = await register({ backchannel_logout_uri: uri })
      expect(response.status, uri).toBe(400)
      expect(((await response.json()) as { error: string }).error).toBe('invalid_client_metadata')
    }
    const created = await register({ backchannel_logout_uri: 'https://app.test/bcl?x=1', backchannel_logout_session_required: true })
    expect(created.status, await created.clone().text()).toBe(201)
    const information = (await created.json()) as Record<string, string>
    expect(information).toMatchObject({ backchannel_logout_uri: 'https://app.test/bcl?x=1', backchannel_logout_session_required: true })
    const update = await fetch(information.registration_client_uri ?? '', {
      method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${information.registration_access_token ?? ''}` },
      body: JSON.stringify({ client_id: information.client_id, redirect_uris: ['https://app.test/cb'], backchannel_logout_uri: 'http://169.254.169.254/latest' }),
    })
    expect(update.status).toBe(400)
    expect(((await update.json()) as { error: string }).error).toBe('invalid_client_metadata')
  })

  it('BL-02 does not follow a redirect from the receiver, and sends no cookies or credentials', async () => {
    receiver.script('/bcl/bclrp3', { status: 307, location: `${capture.origin}/stolen` })
    try {
      const { browser, idTokens } = await aliceAt(clients.bclrp3)
      await browser.get(`${server.url}/logout?id_token_hint=${idTokens.bclrp3 ?? ''}`)
      await bcl.settled()
      expect(receiver.received.map((entry) => entry.path)).toEqual(['/bcl/bclrp3'])
      expect(capture.connections()).toBe(0)
      expect(await auditOf('backchannel_logout.failed')).toEqual(expect.arrayContaining([expect.objectContaining({ client_id: 'bclrp3', status: null, error: 'redirect', final: true })]))
    } finally {
      receiver.script('/bcl/bclrp3', {})
    }
  })

  it('BL-03 answers the user at once while one receiver hangs, one fails and one is unreachable; retries 5xx and timeouts a bounded number of times, never a 4xx', async () => {
    receiver.script('/bcl/bclrp', { delayMs: 3000 })
    receiver.script('/bcl/bclrp2', { status: 500 })
    receiver.script('/bcl/bclrp3', { status: 400 })
    try {
      const { browser, idTokens } = await aliceAt(clients.bclrp, clients.bclrp2, clients.bclrp3)
      const logout = await browser.get(`${server.url}/logout?id_token_hint=${idTokens.bclrp ?? ''}`)
      expect(logout.status).toBe(200)
      // The user's answer came before any delivery to the hung receiver ended (its first attempt times out after 1 s).
      const sid = decodeJwt(idTokens.bclrp ?? '').sid
      expect((await auditOf('backchannel_logout.failed')).filter((event) => event.sid === sid && event.client_id === 'bclrp')).toEqual([])
      // The provider session is gone: prompt=none now answers login_required.
      const silent = await authorize(server, browser, { client: clients.bclrp, extra: { prompt: 'none' } }).catch(() => undefined)
      expect(silent?.params.get('error')).toBe('login_required')
      await bcl.settled()
      const count = (path: string): number => receiver.received.filter((entry) => entry.path === path).length
      expect(count('/bcl/bclrp')).toBe(3)
      expect(count('/bcl/bclrp2')).toBe(3)
      expect(count('/bcl/bclrp3')).toBe(1)
      const failed = await auditOf('backchannel_logout.failed')
      expect(failed).toEqual(expect.arrayContaining([
        expect.objectContaining({ client_id: 'bclrp', error: 'timeout', attempt: 3, final: true }),
        expect.objectContaining({ client_id: 'bclrp2', status: 500, attempt: 2, final: false }),
        expect.objectContaining({ client_id: 'bclrp2', status: 500, attempt: 3, final: true }),
        expect.objectContaining({ client_id: 'bclrp3', status: 400, attempt: 1, final: true }),
      ]))
    } finally {
      for (const path of ['/bcl/bclrp', '/bcl/bclrp2', '/bcl/bclrp3']) receiver.script(path, {})
    }
  })

  it('BL-04 keeps offline_access refresh tokens and refuses the logout token as an id_token_hint, a bearer token or a client assertion', async () => {
    const browser = new Browser()
    const tokens = await obtainTokens(server, { client: clients.bclrp, user: server.users.alice, scope: 'openid offline_access' }, browser)
    await browser.get(`${server.url}/logout?id_token_hint=${tokens.id_token ?? ''}`)
    await bcl.settled()
    const token = logoutToken(receiver.received[0] as ReceivedLogout)
    expect(token).not.toBe('')

    // OIDC Back-Channel Logout §2.7: a refresh token with offline_access outlives the session (documented).
    const refreshed = await clientPost(server, '/token', clients.bclrp, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' })
    expect(refreshed.status).toBe(200)

    const userinfo = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${token}` } })
    expect(userinfo.status).toBe(401)
    const notes = await fetch(`${server.url}/api/notes`, { headers: { authorization: `Bearer ${token}` } })
    expect(notes.status).toBe(401)
    const hint = await fetch(`${server.url}/logout?id_token_hint=${token}`)
    expect(hint.status).toBe(400)
    const assertion = await fetch(`${server.url}/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'bclrp', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: token }).toString(),
    })
    expect(assertion.status).toBe(401)
  })
})
