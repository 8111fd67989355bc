import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createClientContext } from '../../src/client/context.js'
import { Browser } from '../helpers/http-client.js'
import { startLogin, type TestApp } from './app.js'
import { startEvilProvider, type EvilProvider } from './evil-provider.js'
import { attemptLogin, expectRejected, startEvilRp } from './evil-harness.js'
import { cookieHeader } from './session-flows.js'

/** Catalogue §11 (SC) cases for the relying party's cookies and transactions. */

let evil: EvilProvider
let apps: TestApp[] = []
let skew = 0

beforeAll(async () => {
  evil = await startEvilProvider()
})
afterAll(async () => {
  await evil?.close()
})
beforeEach(() => {
  evil.requests.length = 0
})
afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()))
  apps = []
  skew = 0
})

async function rp(extra: string[] = []): Promise<TestApp> {
  const app = await startEvilRp(evil, {}, { now: () => Math.floor(Date.now() / 1000) + skew }, extra)
  apps.push(app)
  return app
}

function attributes(setCookie: string): { name: string; attributes: string[] } {
  const [pair = '', ...rest] = setCookie.split(';').map((part) => part.trim())
  return { name: pair.slice(0, pair.indexOf('=')), attributes: rest }
}

describe('SC-01 cookie attributes', () => {
  it('SC-01: transaction and session cookies are HttpOnly, SameSite=Lax, Path=/, host-only (loopback http profile: no Secure, flagged)', async () => {
    const app = await rp()
    const browser = new Browser()
    const start = await browser.get(`${app.origin}/login/evil`)
    const callback = new URL((await browser.get(start.headers.get('location') ?? '')).headers.get('location') ?? '')
    const done = await browser.get(callback.href)
    expect(done.headers.get('cache-control')).toBe('no-store')
    expect(done.headers.get('referrer-policy')).toBe('no-referrer')
    const cookies = [...start.headers.getSetCookie(), ...done.headers.getSetCookie()]
    expect(cookies.map((cookie) => attributes(cookie).name).sort()).toEqual(['tessera-rp-session', 'tessera-rp-tx', 'tessera-rp-tx'])
    for (const cookie of cookies) {
      const { attributes: attrs } = attributes(cookie)
      expect(attrs).toContain('HttpOnly')
      expect(attrs).toContain('SameSite=Lax')
      expect(attrs).toContain('Path=/')
      expect(attrs.some((attr) => /^domain=/i.test(attr))).toBe(false)
      // The loopback http profile drops Secure (a browser would refuse it on http): flagged here on purpose.
      expect(attrs).not.toContain('Secure')
    }
    // No token reaches the browser: the cookies hold only signed random ids.
    for (const cookie of cookies) expect(cookie.length).toBeLessThan(400)
  })

  it('SC-01: over https the cookies carry Secure and the __Host- prefix', async () => {
    const app = await rp()
    const start = createClientContext({ url: 'https://app.example/login', headers: {}, https: true })
    const redirect = await app.oauth.authorizeRedirect(start, 'evil', `${app.origin}/cb/evil`)
    expect(start.cookies).toHaveLength(1)
    expect(start.cookies[0]).toMatch(/^__Host-tessera-rp-tx=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=600$/)
    const provider = await fetch(redirect.location, { redirect: 'manual' })
    const callback = createClientContext({ url: provider.headers.get('location') ?? '', headers: { cookie: cookieHeader(start.cookies) }, https: true })
    await app.oauth.authorizeAccessToken(callback, 'evil')
    const session = callback.cookies.find((cookie) => cookie.startsWith('__Host-tessera-rp-session='))
    expect(session).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=\d+$/)
  })
})

describe('SC-02 session fixation', () => {
  it('SC-02: a pre-login session cookie planted in the victim browser is replaced at login and stays unauthenticated', async () => {
    const app = await rp()
    const attacker = await attemptLogin(app)
    const planted = attacker.browser.jar.get('tessera-rp-session') ?? ''
    const victim = new Browser()
    victim.jar.set('tessera-rp-session', planted)
    await startLogin(victim, app, 'evil').then((callback) => victim.get(callback.href))
    expect(victim.jar.get('tessera-rp-session')).not.toBe(planted)
    // The login deleted the planted session: the attacker's jar is logged out too.
    expect((await attacker.browser.get(`${app.origin}/me`)).status).toBe(401)
    expect((await victim.get(`${app.origin}/me`)).status).toBe(200)
  })

  it('SC-02: a forged session cookie (bad MAC) is ignored', async () => {
    const app = await rp()
    const browser = new Browser()
    browser.jar.set('tessera-rp-session', 'forged.AAAA')
    expect((await browser.get(`${app.origin}/me`)).status).toBe(401)
  })
})

describe('SC-04 transaction state', () => {
  it('SC-04: two logins in one browser with different providers complete out of order', async () => {
    const app = await rp(['evil2'])
    const browser = new Browser()
    const first = await startLogin(browser, app, 'evil', { returnTo: '/first' })
    const second = await startLogin(browser, app, 'evil2', { returnTo: '/second' })
    expect((await browser.get(second.href)).headers.get('location')).toBe('/second')
    expect((await browser.get(first.href)).headers.get('location')).toBe('/first')
  })

  it('SC-04: a transaction is bound to its provider', async () => {
    const app = await rp(['evil2'])
    const browser = new Browser()
    const callback = await startLogin(browser, app, 'evil')
    callback.pathname = '/cb/evil2'
    const response = await browser.get(callback.href)
    await expectRejected(app, { response, body: await response.text(), browser }, 'state_mismatch')
    expect(evil.count('/token')).toBe(0)
  })

  it('SC-04: a transaction completed after its 10 minute lifetime is rejected', async () => {
    const app = await rp()
    const browser = new Browser()
    const callback = await startLogin(browser, app, 'evil')
    skew = 601
    const response = await browser.get(callback.href)
    await expectRejected(app, { response, body: await response.text(), browser }, 'transaction_expired')
    expect(evil.count('/token')).toBe(0)
  })

  it('SC-04: a tampered transaction cookie is ignored', async () => {
    const app = await rp()
    const browser = new Browser()
    const callback = await startLogin(browser, app, 'evil')
    const value = browser.jar.get('tessera-rp-tx') ?? ''
    browser.jar.set('tessera-rp-tx', `${value.slice(0, -2)}AA`)
    const response = await browser.get(callback.href)
    await expectRejected(app, { response, body: await response.text(), browser }, 'transaction_missing')
  })
})
