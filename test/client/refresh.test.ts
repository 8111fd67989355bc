import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ReauthenticationRequired } from '../../src/client/errors.js'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth } from '../../src/client/oauth.js'
import { Browser } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'
import { registerAtTessera, startTestApp, type TestApp } from './app.js'
import { contextFor, loginDirect, recordingFetch, type RecordingFetch } from './session-flows.js'

const SECRET = 'refresh-test-secret-0123456789-abcdefghij'

let server: TestServer
let app: TestApp
let recorder: RecordingFetch
let clientSecret = ''
/** Seconds added to the relying party's clock (the provider keeps real time). */
let skew = 0

beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
  recorder = recordingFetch()
  app = await startTestApp(async (origin) => {
    clientSecret = await registerAtTessera(server, 'rp-refresh', [`${origin}/cb/tessera`])
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET, fetch: recorder.fetch, now: () => Math.floor(Date.now() / 1000) + skew })
    oauth.register({ name: 'tessera', issuer: server.url, allowInsecureLoopback: true, clientId: 'rp-refresh', clientSecret, scope: 'openid profile email offline_access' })
    return oauth
  })
})
afterAll(async () => {
  await app?.close()
  await server?.close()
})

async function revokeAtProvider(token: string): Promise<void> {
  const response = await fetch(`${server.url}/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`rp-refresh:${clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ token }).toString(),
  })
  if (response.status !== 200) throw new Error(`revocation failed: ${response.status}`)
}

describe('refresh and fetch with the Tessera authorization server', () => {
  it('refreshes and persists each rotated refresh token (RP-14 normal refresh)', async () => {
    skew = 0
    const browser = new Browser()
    const login = await loginDirect(browser, app, 'tessera')
    expect(login.tokens.refresh_token).toBeTypeOf('string')
    const first = await app.oauth.refreshToken(contextFor(browser, app))
    const second = await app.oauth.refreshToken(contextFor(browser, app))
    // Tessera rotates refresh tokens and treats reuse as theft: the second refresh only works with the stored new one.
    expect(new Set([login.tokens.refresh_token, first.refresh_token, second.refresh_token]).size).toBe(3)
    expect(second.id_token).toBeTypeOf('string')
    expect(await app.oauth.currentUser(contextFor(browser, app))).toMatchObject({ sub: server.users.alice.id })
  })

  it('two concurrent fetches after expiry cause exactly one refresh_token grant (single-flight)', async () => {
    skew = 0
    const browser = new Browser()
    await loginDirect(browser, app, 'tessera')
    const before = recorder.grants('refresh_token')
    skew = 3600
    try {
      const [a, b] = await Promise.all([
        app.oauth.fetch(contextFor(browser, app), `${server.url}/userinfo`),
        app.oauth.fetch(contextFor(browser, app), `${server.url}/userinfo`),
      ])
      expect(a.status).toBe(200)
      expect(b.status).toBe(200)
      expect(recorder.grants('refresh_token') - before).toBe(1)
    } finally {
      skew = 0
    }
  })

  it('refreshes once on a 401 invalid_token and retries', async () => {
    const browser = new Browser()
    const login = await loginDirect(browser, app, 'tessera')
    await revokeAtProvider(login.tokens.access_token)
    const before = recorder.grants('refresh_token')
    const response = await app.oauth.fetch(contextFor(browser, app), `${server.url}/userinfo`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ sub: server.users.alice.id })
    expect(recorder.grants('refresh_token') - before).toBe(1)
  })

  it('raises ReauthenticationRequired when the refresh token was revoked (invalid_grant) and ends the session', async () => {
    const browser = new Browser()
    const login = await loginDirect(browser, app, 'tessera')
    await revokeAtProvider(login.tokens.refresh_token ?? '')
    await expect(app.oauth.refreshToken(contextFor(browser, app))).rejects.toBeInstanceOf(ReauthenticationRequired)
    expect(await app.oauth.currentUser(contextFor(browser, app))).toBeUndefined()
  })

  it('revokeToken revokes the refresh token at the provider and forgets it', async () => {
    const browser = new Browser()
    await loginDirect(browser, app, 'tessera')
    await app.oauth.revokeToken(contextFor(browser, app))
    await expect(app.oauth.refreshToken(contextFor(browser, app))).rejects.toBeInstanceOf(ReauthenticationRequired)
    expect(await app.oauth.currentUser(contextFor(browser, app))).toMatchObject({ sub: server.users.alice.id })
  })
})
