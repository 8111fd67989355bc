/**
 * `clientRoutes`: the relying party's login, callback, logout and back-channel logout routes as Web-standard
 * handlers, served over real loopback HTTP by @hono/node-server against a Tessera test server (and the evil
 * provider for the form_post callback Tessera does not answer with).
 */
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth } from '../../src/client/oauth.js'
import { clientRoutes, sessionFromCookieHeader, sessionFromRequest, type ClientRoutes, type ClientRoutesOptions } from '../../src/client/routes.js'
import { createClient } from '../../src/server/admin.js'
import { backchannelLogout, setClientBackchannelLogout } from '../../src/server/index.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'
import { startEvilProvider, type EvilProvider } from './evil-provider.js'

const SECRET = 'routes-test-secret-routes-test-secret-0123'
const quiet = { warn: () => undefined, info: () => undefined }

interface App {
  origin: string
  routes: ClientRoutes
  close(): Promise<void>
}

/**
 * Listens first (the port decides the app URL), then builds the routes: `/auth/*` goes to `routes.handle`,
 * `/me` answers the session's user, `/api` calls Tessera's notes API with the session's token.
 */
async function startApp(build: (origin: string) => Promise<{ routes: ClientRoutes; notesUrl?: string }>): Promise<App> {
  const state: { app?: { routes: ClientRoutes; notesUrl?: string } } = {}
  const fetchHandler = async (request: Request): Promise<Response> => {
    const { app } = state
    if (!app) return new Response(null, { status: 503 })
    const path = new URL(request.url).pathname
    if (path.startsWith('/auth/')) return app.routes.handle(request)
    const session = await app.routes.session(request)
    if (path === '/me') return session ? Response.json(session.user) : new Response('signed out', { status: 401 })
    if (path === '/api' && session && app.notesUrl) return session.fetch(app.notesUrl)
    return new Response('home')
  }
  const { http, port } = await new Promise<{ http: ReturnType<typeof serve>; port: number }>((resolve) => {
    const http = serve({ fetch: fetchHandler, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ http, port: info.port }))
  })
  const origin = `http://127.0.0.1:${port}`
  const app = await build(origin)
  state.app = app
  return { origin, routes: app.routes, close: () => new Promise((done) => http.close(() => done())) }
}

/** Follows the login from the app's `/auth/login…` through Tessera's pages; stops at the (unfollowed) callback. */
async function loginAtTessera(browser: Browser, loginUrl: string, user: { username: string; password: string }, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  const origin = new URL(loginUrl).origin
  let response = await browser.get(loginUrl)
  for (let step = 0; step < 8; step++) {
    const location = response.headers.get('location')
    if (response.status !== 303 || location === null) throw new Error(`expected a redirect, got ${response.status}: ${await response.text()}`)
    const next = new URL(location, origin)
    if (next.origin === origin) return next
    if (!next.pathname.startsWith('/interaction/')) {
      response = await browser.get(next.href)
      continue
    }
    const form = parseForm(await (await browser.get(next.href)).text())
    const answer: Record<string, string> = form.action.endsWith('/login') ? { username: user.username, password: user.password } : { decision }
    response = await browser.post(new URL(form.action, next).href, { ...form.fields, ...answer })
  }
  throw new Error('the login did not come back to the app')
}

const bcl = backchannelLogout({ retryDelays: [0.2] })
let server: TestServer
let app: App
let clientId: string
let errorApp: App

/** Registers a client at Tessera for an app on `origin` with the routes' callback and logout URLs. */
async function register(origin: string, id: string): Promise<string> {
  const { clientSecret } = await createClient(server.store, {
    name: 'Routes app', clientId: id,
    redirectUris: [`${origin}/auth/callback/tessera`],
    postLogoutRedirectUris: [`${origin}/`],
    grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'email', 'offline_access', 'notes:read'],
  }, Math.floor(Date.now() / 1000))
  return clientSecret ?? ''
}

function tesseraRoutes(origin: string, id: string, secret: string, extra: Partial<ClientRoutesOptions> = {}): ClientRoutes {
  const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET, logger: quiet })
  oauth.register({ name: 'tessera', preset: 'tessera', issuer: server.url, clientId: id, clientSecret: secret, scope: 'openid profile email offline_access notes:read', allowInsecureLoopback: true })
  return clientRoutes(oauth, { appUrl: origin, providers: ['tessera'], ...extra })
}

beforeAll(async () => {
  server = await startTestServer({ store: 'memory', capabilities: [bcl], development: { allowLoopbackFetch: true } })
  clientId = `routes-${randomBytes(4).toString('hex')}`
  app = await startApp(async (origin) => ({ routes: tesseraRoutes(origin, clientId, await register(origin, clientId)), notesUrl: `${server.url}/api/notes` }))
  await setClientBackchannelLogout(server.store, clientId, { backchannel_logout_uri: `${app.origin}/auth/backchannel-logout`, backchannel_logout_session_required: true })
  // The same app with an `onError` of its own.
  const errorsId = `routes-errors-${randomBytes(4).toString('hex')}`
  errorApp = await startApp(async (origin) => ({
    routes: tesseraRoutes(origin, errorsId, await register(origin, errorsId), { onError: (error) => Response.json({ code: error.code }, { status: 418 }) }),
  }))
  const now = Math.floor(Date.now() / 1000)
  await server.notes.create({ id: 'n1', owner: server.users.alice.id, title: 'Routes', body: 'web standard', created_at: now, updated_at: now })
})

afterAll(async () => {
  await app?.close()
  await errorApp?.close()
  await server?.close()
})

async function signedIn(returnTo = '/profile'): Promise<Browser> {
  const browser = new Browser()
  const callback = await loginAtTessera(browser, `${app.origin}/auth/login?returnTo=${encodeURIComponent(returnTo)}`, server.users.alice)
  const done = await browser.get(callback.href)
  expect(done.status).toBe(303)
  return browser
}

describe('clientRoutes against Tessera', () => {
  it('login redirects to Tessera with the per-provider callback as redirect_uri, PKCE and state, setting the transaction cookie', async () => {
    const response = await new Browser().get(`${app.origin}/auth/login`)
    expect(response.status).toBe(303)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const location = new URL(response.headers.get('location') ?? '')
    expect(`${location.origin}${location.pathname}`).toBe(`${server.url}/authorize`)
    expect(location.searchParams.get('redirect_uri')).toBe(`${app.origin}/auth/callback/tessera`)
    expect(app.routes.callbackUrl()).toBe(`${app.origin}/auth/callback/tessera`)
    expect(location.searchParams.get('code_challenge_method')).toBe('S256')
    expect(location.searchParams.get('state')).toBeTruthy()
    expect(response.headers.getSetCookie()[0]).toMatch(/^tessera-rp-tx=.+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600$/)
  })

  it('logs in: the callback starts the session and redirects to returnTo; the session reads from a request and a Cookie header', async () => {
    const browser = new Browser()
    const callback = await loginAtTessera(browser, `${app.origin}/auth/login?returnTo=%2Fprofile%3Ftab%3D1`, server.users.alice)
    expect(callback.pathname).toBe('/auth/callback/tessera')
    const done = await browser.get(callback.href)
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe('/profile?tab=1')
    expect(done.headers.get('referrer-policy')).toBe('no-referrer')
    expect(done.headers.getSetCookie().some((cookie) => cookie.startsWith('tessera-rp-session='))).toBe(true)
    const me = await browser.get(`${app.origin}/me`)
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ sub: server.users.alice.id, name: 'Alice Liddell', provider: 'tessera' })
    // The session's token reaches Tessera's notes API through session.fetch.
    const notes = await browser.get(`${app.origin}/api`)
    expect(notes.status).toBe(200)
    expect(await notes.text()).toContain('web standard')

    const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET })
    expect(await sessionFromCookieHeader(oauth, browser.jar.header(), { https: false })).toBeUndefined() // another app's store
    const session = await app.routes.sessionFromCookies(browser.jar.header())
    expect(session?.user.sub).toBe(server.users.alice.id)
    expect(await app.routes.sessionFromCookies(undefined)).toBeUndefined()
    expect(await sessionFromRequest(oauth, new Request(`${app.origin}/`))).toBeUndefined()
  })

  it('RP-15 keeps returnTo on the app: an absolute URL on its origin becomes a path, any other origin becomes /', async () => {
    for (const [given, expected] of [[`${app.origin}/notes?x=1`, '/notes?x=1'], ['https://evil.test/steal', '/'], ['//evil.test', '/'], ['/\\evil.test', '/'], [`${app.origin}.evil.test/x`, '/']] as const) {
      const browser = new Browser()
      const callback = await loginAtTessera(browser, `${app.origin}/auth/login?returnTo=${encodeURIComponent(given)}`, server.users.alice)
      expect((await browser.get(callback.href)).headers.get('location')).toBe(expected)
    }
  })

  it('answers a declined consent with the "cancelled" page (403) and a replayed or foreign callback with 400, creating no session', async () => {
    const declined = new Browser()
    const callback = await loginAtTessera(declined, `${app.origin}/auth/login`, server.users.bob, 'deny')
    const page = await declined.get(callback.href)
    expect(page.status).toBe(403)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('cache-control')).toBe('no-store')
    expect(await page.text()).toContain('<h1>Sign-in cancelled</h1><p>The sign-in was cancelled.</p>')
    // The spent transaction cookie is cleared on the error page too.
    expect(page.headers.getSetCookie()).toEqual([expect.stringMatching(/^tessera-rp-tx=[^;]*; .*Max-Age=0$/)])
    expect((await declined.get(`${app.origin}/me`)).status).toBe(401)

    const browser = new Browser()
    const good = await loginAtTessera(browser, `${app.origin}/auth/login`, server.users.alice)
    expect((await browser.get(good.href)).status).toBe(303)
    const replay = await browser.get(good.href)
    expect(replay.status).toBe(400)
    const stranger = new Browser()
    const foreign = await stranger.get(good.href)
    expect(foreign.status).toBe(400)
    expect(await foreign.text()).toContain('The sign-in was started in another browser or cookies are blocked.')
    expect((await stranger.get(`${app.origin}/me`)).status).toBe(401)
  })

  it('hands a failed sign-in to onError, adding the routes’ cookies to its response', async () => {
    const browser = new Browser()
    const callback = await loginAtTessera(browser, `${errorApp.origin}/auth/login`, server.users.bob, 'deny')
    const response = await browser.get(callback.href)
    expect(response.status).toBe(418)
    expect(await response.json()).toEqual({ code: 'access_denied' })
    expect(response.headers.getSetCookie()).toEqual([expect.stringMatching(/^tessera-rp-tx=[^;]*; .*Max-Age=0$/)])
  })

  it('logout (POST) ends the session here and sends the browser to Tessera’s end-session endpoint, which returns it', async () => {
    const browser = await signedIn()
    const response = await browser.post(`${app.origin}/auth/logout`, {}, { origin: app.origin })
    expect(response.status).toBe(303)
    const endSession = new URL(response.headers.get('location') ?? '')
    expect(`${endSession.origin}${endSession.pathname}`).toBe(`${server.url}/logout`)
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${app.origin}/`)
    expect(endSession.searchParams.get('id_token_hint')).toBeTruthy()
    expect(response.headers.getSetCookie()).toEqual([expect.stringMatching(/^tessera-rp-session=; .*Max-Age=0$/)])
    expect((await browser.get(`${app.origin}/me`)).status).toBe(401)
    const back = await browser.get(endSession.href)
    expect(back.status).toBe(303)
    expect(back.headers.get('location')?.startsWith(`${app.origin}/`)).toBe(true)
  })

  it('refuses a cross-site logout (Origin or Sec-Fetch-Site of another site) and a GET, keeping the session', async () => {
    const browser = await signedIn()
    const crossOrigin = await browser.post(`${app.origin}/auth/logout`, {}, { origin: 'https://evil.test' })
    expect(crossOrigin.status).toBe(403)
    const crossSite = await browser.post(`${app.origin}/auth/logout`, {}, { 'sec-fetch-site': 'cross-site' })
    expect(crossSite.status).toBe(403)
    const get = await browser.get(`${app.origin}/auth/logout`)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect((await browser.get(`${app.origin}/me`)).status).toBe(200)
  })

  it('back-channel logout: signing out at Tessera ends the app’s session through /auth/backchannel-logout', async () => {
    const browser = await signedIn()
    const page = await browser.get(`${server.url}/logout`)
    const form = parseForm(await page.text())
    expect((await browser.post(new URL(form.action, server.url).href, form.fields)).status).toBe(200)
    await bcl.settled()
    expect((await browser.get(`${app.origin}/me`)).status).toBe(401)
    expect(await server.store.audit.list({ type: 'backchannel_logout.sent', limit: 10 })).not.toEqual([])
    // The route is the receiver itself: a token that is no JWT is a 400 invalid_request (§2.8).
    const bogus = await new Browser().post(`${app.origin}/auth/backchannel-logout`, { logout_token: 'not-a-jwt' })
    expect(bogus.status).toBe(400)
    expect(await bogus.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('answers 404 for unknown routes and providers and 405 with Allow for wrong methods', async () => {
    const browser = new Browser()
    expect((await browser.get(`${app.origin}/auth/nothing`)).status).toBe(404)
    expect((await browser.get(`${app.origin}/auth/login/google`)).status).toBe(404)
    expect((await browser.get(`${app.origin}/auth/logout/tessera`)).status).toBe(404)
    expect((await browser.get(`${app.origin}/auth/login/tessera/extra`)).status).toBe(404)
    expect((await browser.get(`${app.origin}/auth/login/%E0%A4%A`)).status).toBe(404)
    const post = await browser.post(`${app.origin}/auth/login`, {})
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET')
    expect((await browser.get(`${app.origin}/auth/backchannel-logout`)).headers.get('allow')).toBe('POST')
  })
})

describe('clientRoutes with a form_post provider', () => {
  let evil: EvilProvider
  let evilApp: App
  let secure: ClientRoutes
  beforeAll(async () => {
    evil = await startEvilProvider()
    evilApp = await startApp(async (origin) => {
      const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET, logger: quiet })
      const common = { issuer: evil.url, allowInsecureLoopback: true, clientId: evil.clientId, clientSecret: evil.clientSecret, scope: 'openid email' }
      oauth.register({ name: 'evil', ...common })
      oauth.register({ name: 'apple', preset: 'apple', ...common })
      oauth.register({ name: 'evil2', ...common })
      secure = clientRoutes(oauth, { appUrl: 'https://app.example', providers: ['evil'] })
      return { routes: clientRoutes(oauth, { appUrl: origin, providers: ['evil', 'apple', 'evil2'], basePath: '/auth/' }) }
    })
  })
  afterAll(async () => {
    await evilApp?.close()
    await evil?.close()
  })

  it('logs in over a form_post callback (POST /auth/callback/apple), the provider chosen by path', async () => {
    const browser = new Browser()
    const login = await browser.get(`${evilApp.origin}/auth/login/apple?returnTo=%2Fhome`)
    const authorization = new URL(login.headers.get('location') ?? '')
    expect(authorization.searchParams.get('response_mode')).toBe('form_post')
    expect(authorization.searchParams.get('redirect_uri')).toBe(`${evilApp.origin}/auth/callback/apple`)
    const form = parseForm(await (await browser.get(authorization.href)).text())
    const done = await browser.post(form.action, form.fields)
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe('/home')
    const me = await browser.get(`${evilApp.origin}/me`)
    expect(await me.json()).toMatchObject({ provider: 'apple' })
  })

  it('a response for one provider cannot complete a login at another (per-provider redirect URIs, mix-up)', async () => {
    const browser = new Browser()
    const login = await browser.get(`${evilApp.origin}/auth/login`)
    const callback = new URL((await browser.get(login.headers.get('location') ?? '')).headers.get('location') ?? '')
    expect(callback.pathname).toBe('/auth/callback/evil')
    const wrong = await browser.get(`${evilApp.origin}/auth/callback/evil2${callback.search}`)
    expect(wrong.status).toBe(400)
    expect(await wrong.text()).toContain('The sign-in response does not belong to this browser.')
    expect((await browser.get(`${evilApp.origin}/me`)).status).toBe(401)
  })

  it('sets __Host- Secure cookies for an https appUrl whatever the request URL says (behind a TLS-terminating proxy)', async () => {
    const login = await secure.handle(new Request('http://10.0.0.1:3000/auth/login'))
    expect(login.status).toBe(303)
    expect(new URL(login.headers.get('location') ?? '').searchParams.get('redirect_uri')).toBe('https://app.example/auth/callback/evil')
    expect(login.headers.getSetCookie()[0]).toMatch(/^__Host-tessera-rp-tx=.+; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=600$/)
  })
})

describe('clientRoutes configuration', () => {
  const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET })
  it('refuses an http appUrl off loopback, a bad basePath, no providers and an http postLogoutRedirectUri', () => {
    expect(() => clientRoutes(oauth, { appUrl: 'http://app.example', providers: ['x'] })).toThrow(/appUrl uses the http: scheme/)
    expect(() => clientRoutes(oauth, { appUrl: 'https://app.example', providers: ['x'], basePath: 'auth' })).toThrow(/basePath must be a path/)
    expect(() => clientRoutes(oauth, { appUrl: 'https://app.example', providers: [] as unknown as [string] })).toThrow(/providers/)
    expect(() => clientRoutes(oauth, { appUrl: 'https://app.example', providers: ['x'], postLogoutRedirectUri: 'http://app.example/' })).toThrow(/postLogoutRedirectUri/)
  })

  it('answers the error page for a provider that is not registered, its link below basePath', async () => {
    const routes = clientRoutes(oauth, { appUrl: 'https://app.example', providers: ['x'], basePath: '/account/sso' })
    const page = await routes.handle(new Request('https://app.example/account/sso/login'))
    expect(page.status).toBe(404)
    expect(await page.text()).toContain('<a href="/account/sso/login">Sign in again</a>')
    expect((await routes.handle(new Request('https://app.example/auth/login'))).status).toBe(404)
  })

  it('serves one route per handler: mounted on a path of its own, or refusing a path that names another route', async () => {
    const routes = clientRoutes(oauth, { appUrl: 'https://app.example', providers: ['x'] })
    // The login handler at /signin logs in at the default provider (here unregistered: the error page, not a 404 "Not found").
    const login = await routes.login(new Request('https://app.example/signin'))
    expect(login.status).toBe(404)
    expect(await login.text()).toContain('Unknown sign-in provider.')
    const wrong = await routes.logout(new Request('https://app.example/auth/login', { method: 'POST' }))
    expect(wrong.status).toBe(404)
    expect(await wrong.text()).toBe('Not found')
  })
})
