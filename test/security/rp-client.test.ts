/**
 * Catalogue §10 and §11 — the relying party's (`tessera-oidc/client`) P1 cases that need a provider whose keys
 * the test controls (`keyed-provider.ts`): RP-11, and the RP halves of SC-06, SC-08 and SC-09. The RP runs
 * in the Hono test app of `test/client/app.ts`, over real loopback HTTP. The RP's other cases are in
 * `test/client/rp-catalogue.test.ts` and `test/client/cookies.test.ts`.
 *
 * Documented behaviours:
 * - RP-11: an ID token without `kid` is accepted when exactly one published key fits it and refused when
 *   several do (oauth4webapi does not try each). An unknown `kid` makes the RP fetch the JWKS again, at most
 *   once a minute per provider: a login signed with a key published less than a minute after the RP last
 *   fetched the JWKS fails cleanly (`invalid_response`) until then.
 * - SC-08: the RP's session cookie is `SameSite=Lax`, so a cross-site POST to the app's logout route
 *   arrives without it and ends nothing; the route itself belongs to the app.
 * - SC-09: an RP session has an absolute lifetime (`sessionMaxAge`) that use never extends, and an idle
 *   timeout (`sessionIdleTimeout`) that each use restarts; an idle session is deleted server-side.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth, type OAuthOptions } from '../../src/client/oauth.js'
import { Browser } from '../helpers/http-client.js'
import { startLogin, startTestApp, type TestApp } from '../client/app.js'
import { attemptLogin, expectLoggedIn, expectRejected, RP_SECRET } from '../client/evil-harness.js'
import { parseSetCookie, RecordingBrowser, sleep } from './helpers.js'
import { startKeyedProvider, type KeyedProvider } from './keyed-provider.js'

let provider: KeyedProvider
let apps: TestApp[] = []
beforeAll(async () => {
  provider = await startKeyedProvider()
})
afterAll(async () => {
  await provider?.close()
})
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(apps.map((app) => app.close()))
  apps = []
  const first = provider.published[0]
  if (first) Object.assign(provider, { published: [first], signing: first, sendKid: true, jwksFetches: 0, issued: [] })
})

/** An app whose provider `evil` (the name the harness helpers use) is the keyed provider. */
async function rp(options: Partial<OAuthOptions> = {}): Promise<TestApp> {
  const app = await startTestApp(() => {
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: RP_SECRET, logger: { warn: () => undefined, info: () => undefined }, ...options })
    oauth.register({ name: 'evil', issuer: provider.url, allowInsecureLoopback: true, clientId: provider.clientId, clientSecret: provider.clientSecret, scope: 'openid profile' })
    return oauth
  })
  apps.push(app)
  return app
}

describe('RP-11 JWKS handling and key rotation', () => {
  it('RP-11: accepts an ID token without kid when the JWKS has a single key', async () => {
    const app = await rp()
    provider.sendKid = false
    await expectLoggedIn(app, await attemptLogin(app))
  })

  it('RP-11: refuses an ID token without kid when several published keys could verify it', async () => {
    const app = await rp()
    provider.published.push(provider.newKey('key-2'))
    provider.sendKid = false
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /multiple applicable keys/)
  })

  it('RP-11: after a rotation (new key published as it is first used) refetches the JWKS for the unknown kid, at most once a minute', async () => {
    const app = await rp()
    await expectLoggedIn(app, await attemptLogin(app))
    expect(provider.jwksFetches).toBe(1)
    const next = provider.newKey('key-2')
    provider.published.push(next)
    provider.signing = next
    // Within a minute of the last fetch the unknown kid is not fetched for: the attempt fails cleanly.
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /no applicable keys/)
    expect(provider.jwksFetches).toBe(1)
    // A minute later (the clock moved, not the test: only Date is faked) the RP refetches once and accepts.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 61_000)
    await expectLoggedIn(app, await attemptLogin(app))
    expect(provider.jwksFetches).toBe(2)
    // The old key retired: tokens signed with the new one keep working without another fetch.
    provider.published = [next]
    await expectLoggedIn(app, await attemptLogin(app))
    expect(provider.jwksFetches).toBe(2)
  })
})

describe('SC-06 tokens stay server-side; callback hygiene', () => {
  it('SC-06: the callback answers no-store and no-referrer, redirects without code or state, and no token reaches the browser', async () => {
    const app = await rp()
    const browser = new RecordingBrowser()
    const callback = await startLogin(browser, app, 'evil', { returnTo: '/notes?page=2' })
    expect(callback.searchParams.get('code')).toBeTruthy()
    const answer = await browser.get(callback.href)
    expect(answer.status).toBe(303)
    expect(answer.headers.get('cache-control')).toBe('no-store')
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer')
    const location = answer.headers.get('location') ?? ''
    expect(location).toBe('/notes?page=2')
    expect(location).not.toMatch(/code=|state=/)

    const me = await browser.get(`${app.origin}/me`)
    expect(me.status).toBe(200)
    const seen = [await me.text()]
    for (const response of browser.responses) {
      seen.push(await response.text())
      for (const header of response.headers.getSetCookie()) {
        seen.push(header)
        expect(parseSetCookie(header).attributes.has('httponly'), header).toBe(true)
      }
    }
    expect(provider.issued.length).toBe(3)
    // BFF: the access, refresh and ID tokens exist only server-side (sealed in the session store).
    for (const token of provider.issued) for (const text of seen) expect(text).not.toContain(token)
  })
})

describe('SC-08 CSRF on state-changing RP routes', () => {
  it('SC-08: the session cookie is SameSite=Lax, so a cross-site logout POST arrives without it and ends nothing', async () => {
    const app = await rp()
    const browser = new RecordingBrowser()
    await expectLoggedIn(app, { ...(await attemptLoginWith(browser, app)), browser })
    const session = browser.responses.flatMap((response) => response.headers.getSetCookie().map(parseSetCookie)).find((cookie) => cookie.name === 'tessera-rp-session' && cookie.value !== '')
    expect(['Lax', 'Strict']).toContain(session?.attributes.get('samesite'))
    // What a browser sends for a form on https://evil.test posting to the app: no SameSite=Lax cookie.
    const crossSite = await new Browser().post(`${app.origin}/logout`, {}, { origin: 'https://evil.test' })
    expect(crossSite.status).toBe(303)
    expect((await browser.get(`${app.origin}/me`)).status).toBe(200)
  })
})

describe('SC-09 session timeouts', () => {
  it('SC-09: an RP session ends at its absolute lifetime however actively it is used', async () => {
    const app = await rp({ sessionMaxAge: 4 })
    const { browser } = await attemptLogin(app)
    expect((await browser.get(`${app.origin}/me`)).status).toBe(200)
    await sleep(1000)
    expect((await browser.get(`${app.origin}/me`)).status).toBe(200)
    await sleep(3300)
    expect((await browser.get(`${app.origin}/me`)).status).toBe(401)
  })

  it('SC-09: an RP session unused for its idle timeout is ended by the server', async () => {
    const app = await rp({ sessionMaxAge: 60, sessionIdleTimeout: 3 })
    const { browser } = await attemptLogin(app)
    // Used every 1.2 s, the session outlives its idle timeout several times over.
    for (let use = 0; use < 4; use++) {
      await sleep(1200)
      expect((await browser.get(`${app.origin}/me`)).status).toBe(200)
    }
    const cookies = browser.jar.header()
    await sleep(4200)
    // The browser still presents the same signed cookie: the server ends the session, not the cookie's Max-Age.
    expect(browser.jar.header()).toBe(cookies)
    expect((await browser.get(`${app.origin}/me`)).status).toBe(401)
  })

  it('SC-09: sessionIdleTimeout cannot exceed sessionMaxAge', () => {
    expect(() => createOAuth({ store: createMemoryClientStore(), secret: RP_SECRET, sessionMaxAge: 60, sessionIdleTimeout: 61 })).toThrow(/sessionIdleTimeout/)
  })
})

async function attemptLoginWith(browser: Browser, app: TestApp): Promise<{ response: Response; body: string }> {
  const callback = await startLogin(browser, app, 'evil')
  const response = await browser.get(callback.href)
  return { response, body: await response.text() }
}
