import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth } from '../../src/client/oauth.js'
import { Browser } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'
import { registerAtTessera, startTestApp, type TestApp } from './app.js'
import { contextFor, loginDirect, recordingFetch, type RecordingFetch } from './session-flows.js'

let server: TestServer
let app: TestApp
let recorder: RecordingFetch
let clientSecret = ''

beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
  recorder = recordingFetch()
  app = await startTestApp(async (origin) => {
    clientSecret = await registerAtTessera(server, 'rp-logout', [`${origin}/cb/tessera`], [`${origin}/logged-out`])
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: 'logout-test-secret-0123456789-abcdefghij', fetch: recorder.fetch })
    oauth.register({ name: 'tessera', issuer: server.url, allowInsecureLoopback: true, clientId: 'rp-logout', clientSecret, scope: 'openid profile email offline_access' })
    return oauth
  })
})
afterAll(async () => {
  await app?.close()
  await server?.close()
})

describe('logout (SC-03, RP-Initiated Logout)', () => {
  it('ends the local session, revokes the refresh token and builds the end-session URL', async () => {
    const browser = new Browser()
    const login = await loginDirect(browser, app, 'tessera')
    const oldCookie = browser.jar.get('tessera-rp-session')
    const response = await browser.post(`${app.origin}/logout`, {})
    expect(response.status).toBe(303)
    const location = new URL(response.headers.get('location') ?? '')
    const metadata = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { end_session_endpoint: string }
    expect(`${location.origin}${location.pathname}`).toBe(metadata.end_session_endpoint)
    expect(location.searchParams.get('id_token_hint')).toBe(login.tokens.id_token)
    expect(location.searchParams.get('client_id')).toBe('rp-logout')
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${app.origin}/logged-out`)
    expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/)

    // The old cookie is dead, even replayed from another jar.
    const replay = new Browser()
    replay.jar.set('tessera-rp-session', oldCookie ?? '')
    expect((await replay.get(`${app.origin}/me`)).status).toBe(401)

    // RFC 7009 call made, and the refresh token no longer works at the provider.
    expect(recorder.calls.some((call) => call.url.endsWith('/revoke') && new URLSearchParams(call.body).get('token') === login.tokens.refresh_token)).toBe(true)
    const refresh = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`rp-logout:${clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: login.tokens.refresh_token ?? '' }).toString(),
    })
    expect(refresh.status).toBe(400)

    // Following the end-session URL logs out at the provider and comes back with the state.
    const endSession = await browser.get(location.href)
    expect(endSession.status).toBe(303)
    const back = new URL(endSession.headers.get('location') ?? '')
    expect(`${back.origin}${back.pathname}`).toBe(`${app.origin}/logged-out`)
    expect(back.searchParams.get('state')).toBe(location.searchParams.get('state'))
  })

  it('logout without a session only clears the cookie', async () => {
    const ctx = contextFor(new Browser(), app)
    expect(await app.oauth.logout(ctx)).toEqual({ location: undefined, revoked: false, state: undefined })
    expect(ctx.cookies).toEqual(['tessera-rp-session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0'])
  })
})
