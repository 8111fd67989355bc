import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth } from '../../src/client/oauth.js'
import { createUser } from '../../src/server/admin.js'
import { Browser } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'
import { login, registerAtTessera, startLogin, startTestApp, type TestApp } from './app.js'

const SECRET = 'client-test-secret-0123456789-abcdefghij'

let server: TestServer
let app: TestApp

beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
  app = await startTestApp(async (origin) => {
    const clientSecret = await registerAtTessera(server, 'rp-app', [`${origin}/cb/tessera`], [`${origin}/logged-out`])
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET })
    oauth.register({ name: 'tessera', preset: 'tessera', issuer: server.url, allowInsecureLoopback: true, clientId: 'rp-app', clientSecret, scope: 'openid profile email offline_access notes:read' })
    return oauth
  })
})
afterAll(async () => {
  await app?.close()
  await server?.close()
})

describe('login with the Tessera authorization server', () => {
  it('logs in: authorization code + PKCE, ID token, userinfo, session keyed on (issuer, sub)', async () => {
    const browser = new Browser()
    const response = await login(browser, app, 'tessera', { returnTo: '/profile?tab=1' })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/profile?tab=1')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    const me = await browser.get(`${app.origin}/me`)
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ provider: 'tessera', issuer: server.url, sub: server.users.alice.id, email: 'alice@example.com', email_verified: true, name: 'Alice Liddell' })
  })

  it('sends state, nonce and PKCE S256 to the authorization endpoint', async () => {
    const response = await new Browser().get(`${app.origin}/login/tessera`)
    const location = new URL(response.headers.get('location') ?? '')
    expect(location.origin + location.pathname).toBe(`${server.url}/authorize`)
    expect(location.searchParams.get('response_type')).toBe('code')
    expect(location.searchParams.get('client_id')).toBe('rp-app')
    expect(location.searchParams.get('redirect_uri')).toBe(app.redirectUri('tessera'))
    expect(location.searchParams.get('code_challenge_method')).toBe('S256')
    expect(location.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    expect(location.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{20,}$/)
  })

  it('completes several logins started in several tabs, out of order (SC-04)', async () => {
    const browser = new Browser()
    const first = await startLogin(browser, app, 'tessera', { returnTo: '/one' })
    const second = await startLogin(browser, app, 'tessera', { returnTo: '/two' })
    const third = await startLogin(browser, app, 'tessera', { returnTo: '/three' })
    for (const [callback, expected] of [[second, '/two'], [first, '/one'], [third, '/three']] as const) {
      const response = await browser.get(callback.href)
      expect(response.status).toBe(303)
      expect(response.headers.get('location')).toBe(expected)
    }
  })

  it('rejects a replayed callback (state is single use, RP-07)', async () => {
    const browser = new Browser()
    const callback = await startLogin(browser, app, 'tessera')
    const jar = browser.jar.clone()
    expect((await browser.get(callback.href)).status).toBe(303)
    const replay = await new Browser(jar).get(callback.href)
    expect(replay.status).toBe(400)
    expect(await replay.text()).toContain('transaction_unknown')
  })

  it('renders access_denied from the provider safely and creates no session', async () => {
    const browser = new Browser()
    const carol = await createUser(server.store, { username: 'carol', password: 'carol-password', name: 'Carol', email: 'carol@example.com' }, Math.floor(Date.now() / 1000))
    const response = await login(browser, app, 'tessera', { decision: 'deny', user: { id: carol.id, username: 'carol', password: 'carol-password' } })
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('access_denied')
    expect((await browser.get(`${app.origin}/me`)).status).toBe(401)
  })

  it('rotates the session id at login (session fixation, SC-02)', async () => {
    const attacker = new Browser()
    await login(attacker, app, 'tessera')
    const before = attacker.jar.get('tessera-rp-session')
    expect(before).toBeDefined()
    // The attacker plants their session cookie in the victim's browser; the victim logs in as bob.
    const browser = new Browser()
    browser.jar.set('tessera-rp-session', before ?? '')
    await login(browser, app, 'tessera', { user: server.users.bob })
    const after = browser.jar.get('tessera-rp-session')
    expect(after).toBeDefined()
    expect(after).not.toBe(before)
    const stale = new Browser()
    stale.jar.set('tessera-rp-session', before ?? '')
    expect((await stale.get(`${app.origin}/me`)).status).toBe(401)
    expect(await (await browser.get(`${app.origin}/me`)).json()).toMatchObject({ sub: server.users.bob.id })
  })

  it('reads userinfo for the session', async () => {
    const browser = new Browser()
    await login(browser, app, 'tessera')
    const response = await browser.get(`${app.origin}/userinfo`)
    expect(await response.json()).toMatchObject({ sub: server.users.alice.id, email: 'alice@example.com' })
  })
})
