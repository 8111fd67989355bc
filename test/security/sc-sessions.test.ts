/**
 * Catalogue §11 — sessions, cookies and CSRF (SC), authorization-server side.
 *
 * The catalogue's SC cases cover the AS and the relying party; Tessera's RP is not part of this suite, so
 * each case is run against what the AS has: its login session cookie (`tessera-session`), the cookie that
 * binds pending interactions to a browser (`tessera-browser`), the interactions themselves (SC-04: the
 * AS-side counterpart of the RP's transaction state) and RP-initiated logout.
 *
 * The relying-party halves of SC-06, SC-08 and SC-09 are in `rp-client.test.ts`; SC-01, SC-02 and SC-04
 * of the relying party in `test/client/cookies.test.ts`.
 *
 * Chosen behaviour (SC-09): a provider login session has an absolute lifetime (`lifetimes.session`, 14 days
 * by default) that use never extends, and an idle timeout (`lifetimes.sessionIdle`, 1 day by default) that
 * each use restarts; a client that needs a fresher login asks for it with `max_age` or `prompt=login` (AZ-12).
 */
import { describe, expect, it } from 'vitest'
import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose'
import { createClient, createUser } from '../../src/server/admin.js'
import { createAuthorizationServer } from '../../src/server/create-server.js'
import { createMemoryStore } from '../../src/storage/memory.js'
import { Browser, CookieJar, parseForm } from '../helpers/http-client.js'
import { RP1, SECRET } from '../helpers/tessera.js'
import {
  authorizationFlow,
  authorizationRequest,
  completeInteraction,
  decodePayload,
  expectErrorPage,
  expectTokenError,
  HandleBrowser,
  RecordingBrowser,
  redeem,
  refresh,
  registerClient,
  revoke,
  sendAuthorization,
  silentAuthorization,
  sleep,
  tokensFor,
  unsecuredJwt,
  securityServerForFile,
  withSecurityServer,
} from './helpers.js'

const server = await securityServerForFile()

const LOGGED_OUT = `${RP1}/logged-out`

function logoutUrl(params: Record<string, string>): string {
  return `${server.url}/logout?${new URLSearchParams(params).toString()}`
}

function expectHardenedHtml(headers: Headers): void {
  const csp = headers.get('content-security-policy') ?? ''
  expect(csp).toContain("object-src 'none'")
  expect(csp).toContain("base-uri 'none'")
  expect(csp).toContain("frame-ancestors 'none'")
  expect(headers.get('x-content-type-options')).toBe('nosniff')
}

describe('SC sessions, cookies and CSRF', () => {
  it('SC-01 cookies are HttpOnly, SameSite, host-only on Path=/; Secure and __Host- over https; pages hardened', async () => {
    // Loopback http profile, over real HTTP.
    const browser = new RecordingBrowser()
    await authorizationFlow(server, browser, server.clients.conf)
    const cookies = browser.setCookies()
    expect(new Set(cookies.map((cookie) => cookie.name))).toEqual(new Set(['tessera-browser', 'tessera-session']))
    for (const cookie of cookies) {
      expect(cookie.attributes.has('httponly'), cookie.name).toBe(true)
      expect(['Lax', 'Strict']).toContain(cookie.attributes.get('samesite'))
      expect(cookie.attributes.get('path')).toBe('/')
      expect(cookie.attributes.has('domain')).toBe(false)
      // FLAGGED: the loopback http profile cannot set Secure; the https profile below must.
      expect(cookie.attributes.has('secure')).toBe(false)
    }
    const pages = browser.responses.filter((response) => response.headers.get('content-type')?.startsWith('text/html'))
    expect(pages.length).toBeGreaterThanOrEqual(2)
    for (const page of pages) {
      expectHardenedHtml(page.headers)
      expect(page.headers.get('strict-transport-security')).toBeNull()
    }

    // TLS profile: an https issuer, driven through handle() (no certificate needed).
    const store = createMemoryStore()
    const now = Math.floor(Date.now() / 1000)
    await createUser(store, { username: 'alice', password: 'alice-password' }, now)
    await createClient(store, { name: 'TLS client', clientId: 'tls', redirectUris: [RP1], grantTypes: ['authorization_code'], scopes: ['openid'] }, now)
    const tls = await createAuthorizationServer({ issuer: 'https://as.example.test', store, secret: SECRET })
    const handle = new HandleBrowser(tls)
    const { params } = authorizationRequest({ id: 'tls', secret: undefined, method: 'client_secret_basic', redirectUri: RP1 }, { scope: 'openid' })
    const start = await handle.request('GET', `/authorize?${new URLSearchParams(params).toString()}`)
    expect(start.status).toBe(303)
    const page = await handle.request('GET', start.headers.get('location') ?? '')
    expect(page.status).toBe(200)
    expectHardenedHtml(page.headers)
    expect(page.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/)
    const form = parseForm(page.body)
    const login = await handle.request('POST', form.action, { ...form.fields, username: 'alice', password: 'alice-password' })
    expect(login.status).toBe(303)
    const names = new Set(handle.setCookies.map((header) => header.split('=')[0]))
    expect(names).toEqual(new Set(['__Host-tessera-browser', '__Host-tessera-session']))
    for (const header of handle.setCookies) {
      expect(header).toMatch(/; Secure(;|$)/)
      expect(header).toMatch(/; HttpOnly(;|$)/)
      expect(header).toMatch(/; Path=\/(;|$)/)
      expect(header).not.toMatch(/; Domain=/i)
    }
  })

  it('SC-02 login issues a new session identifier; values planted before login are worthless after it', async () => {
    const { conf } = server.clients
    // The attacker's own authenticated session (bob), planted in the victim's browser.
    const attacker = new Browser()
    await authorizationFlow(server, attacker, conf, { user: server.users.bob })
    const planted = attacker.jar.get('tessera-session') ?? ''
    expect(planted).not.toBe('')
    const victim = new Browser()
    victim.jar.set('tessera-session', planted)
    victim.jar.set('tessera-browser', attacker.jar.get('tessera-browser') ?? '')
    const flow = await authorizationFlow(server, victim, conf, { overrides: { prompt: 'login' } })
    expect(flow.shown).toContain('login')
    const issued = victim.jar.get('tessera-session') ?? ''
    expect(issued).not.toBe('')
    expect(issued).not.toBe(planted)
    // The planted value is neither alice's session nor bob's any more.
    expect((await silentAuthorization(server, attacker, conf)).error).toBe('login_required')
    const victimTokens = (await (await redeem(server, conf, flow)).json()) as { id_token: string }
    expect(decodePayload(victimTokens.id_token).sub).toBe(server.users.alice.id)

    // An arbitrary value chosen by the attacker is not adopted either.
    const chosen = 'attacker-chosen-session-value-000000000000000'
    const second = new Browser()
    second.jar.set('tessera-session', chosen)
    await authorizationFlow(server, second, conf)
    expect(second.jar.get('tessera-session')).not.toBe(chosen)
    const replay = new Browser()
    replay.jar.set('tessera-session', chosen)
    expect((await silentAuthorization(server, replay, conf)).error).toBe('login_required')

    // A pending interaction started by the attacker cannot be completed in the victim's browser.
    const pending = await sendAuthorization(server, attacker, authorizationRequest(conf).params)
    const interaction = pending.headers.get('location') ?? ''
    expect(interaction.startsWith(`${server.url}/interaction/`)).toBe(true)
    await expectErrorPage(await new Browser().get(interaction))
  })

  it('SC-03 RP-initiated logout ends the provider session; replayed cookies and prompt=none find no session', async () => {
    const { conf } = server.clients
    const browser = new Browser()
    const tokens = await tokensFor(server, conf, { browser, scope: 'openid offline_access' })
    const before = browser.jar.clone()
    expect((await silentAuthorization(server, browser, conf)).code).toBeDefined()

    const logout = await browser.get(logoutUrl({ id_token_hint: tokens.id_token ?? '', post_logout_redirect_uri: LOGGED_OUT, state: 'bye' }))
    expect(logout.status).toBe(303)
    expect(logout.headers.get('location')).toBe(`${LOGGED_OUT}?state=bye`)
    expect(logout.headers.getSetCookie().some((cookie) => /^tessera-session=;.*Max-Age=0/.test(cookie))).toBe(true)

    expect((await silentAuthorization(server, browser, conf)).error).toBe('login_required')
    // The old cookie value, replayed, is dead on the server side.
    expect((await silentAuthorization(server, new Browser(before), conf)).error).toBe('login_required')
    // The RP revokes its refresh token at logout (RFC 7009); afterwards it is refused.
    expect((await revoke(server, conf, tokens.refresh_token ?? '')).status).toBe(200)
    await expectTokenError(await refresh(server, conf, tokens.refresh_token ?? ''), 'invalid_grant')
  })

  it('SC-04 pending interactions: each completes only its own request, once, in its own browser, before expiry', async () => {
    const { conf, other } = server.clients
    const browser = new Browser()
    const first = authorizationRequest(conf, { state: 'first' })
    const second = authorizationRequest(other, { state: 'second' })
    const firstStart = await sendAuthorization(server, browser, first.params)
    const secondStart = await sendAuthorization(server, browser, second.params)
    const firstInteraction = firstStart.headers.get('location') ?? ''
    expect(firstInteraction).not.toBe(secondStart.headers.get('location'))

    // Another browser cannot use either interaction.
    const stranger = new Browser()
    await expectErrorPage(await stranger.get(firstInteraction))
    const form = parseForm(await (await browser.get(firstInteraction)).text())
    await expectErrorPage(await stranger.post(form.action, { ...form.fields, username: 'alice', password: 'alice-password' }))

    // Completed out of order, each ends with its own client, redirect and state.
    const secondDone = await completeInteraction(server, browser, secondStart, { user: server.users.alice })
    const firstDone = await completeInteraction(server, browser, firstStart, { user: server.users.alice })
    const secondResult = new URL(secondDone.response.headers.get('location') ?? '').searchParams
    const firstResult = new URL(firstDone.response.headers.get('location') ?? '').searchParams
    expect(secondResult.get('state')).toBe('second')
    expect(firstResult.get('state')).toBe('first')
    const firstCode = { code: firstResult.get('code') ?? '', verifier: first.verifier, redirectUri: RP1 }
    const secondCode = { code: secondResult.get('code') ?? '', verifier: second.verifier, redirectUri: RP1 }
    const secondTokens = (await (await redeem(server, other, secondCode)).json()) as { id_token: string }
    const firstTokens = (await (await redeem(server, conf, firstCode)).json()) as { id_token: string }
    expect(decodePayload(secondTokens.id_token).aud).toBe(other.id)
    expect(decodePayload(firstTokens.id_token).aud).toBe(conf.id)

    // A completed interaction cannot be completed again.
    const replayed = await browser.post(form.action, { ...form.fields, username: 'alice', password: 'alice-password' })
    await expectErrorPage(replayed)

    // An interaction past its lifetime is gone.
    // Lifetimes count whole seconds: 3 s leaves room to load the page on a slow store, 3.2 s later it is gone.
    await withSecurityServer({ lifetimes: { interaction: 3 } }, async (short) => {
      const late = new Browser()
      const start = await sendAuthorization(short, late, authorizationRequest(short.clients.conf).params)
      const location = start.headers.get('location') ?? ''
      const page = parseForm(await (await late.get(location)).text())
      await sleep(3200)
      await expectErrorPage(await late.get(location))
      await expectErrorPage(await late.post(page.action, { ...page.fields, username: 'alice', password: 'alice-password' }))
      expect(late.jar.get('tessera-session')).toBeUndefined()
    })
  })

  it('SC-07 end-session: no redirect to unregistered or altered URIs, forged hints refused, confirmation without a hint', async () => {
    const { conf } = server.clients
    const browser = new Browser()
    const tokens = await tokensFor(server, conf, { browser })
    const hint = tokens.id_token ?? ''
    const stillSignedIn = async (): Promise<boolean> => (await silentAuthorization(server, browser, conf)).code !== undefined

    await expectErrorPage(await browser.get(logoutUrl({ id_token_hint: hint, post_logout_redirect_uri: 'http://127.0.0.1:9999/evil' })))
    await expectErrorPage(await browser.get(logoutUrl({ id_token_hint: hint, post_logout_redirect_uri: `${LOGGED_OUT}?foo=bar` })))
    await expectErrorPage(await browser.get(logoutUrl({ client_id: conf.id, post_logout_redirect_uri: `${LOGGED_OUT}/x` })))
    // No hint and no client: nothing to match a redirect URI against.
    await expectErrorPage(await browser.get(logoutUrl({ post_logout_redirect_uri: LOGGED_OUT })))

    // A hint signed by another key, and the real hint rewritten to alg:none.
    const { privateKey } = await generateKeyPair('RS256')
    const claims = decodePayload(hint)
    const foreign = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', kid: decodeProtectedHeader(hint).kid ?? '' }).sign(privateKey)
    for (const bad of [foreign, unsecuredJwt(claims), `${hint.slice(0, -4)}AAAA`]) {
      await expectErrorPage(await browser.get(logoutUrl({ id_token_hint: bad, post_logout_redirect_uri: LOGGED_OUT })))
    }
    expect(await stillSignedIn()).toBe(true)

    // Registered URI without a hint: the user confirms first (no forced logout, ASVS 10.6.2).
    const confirm = await browser.get(logoutUrl({ client_id: conf.id, post_logout_redirect_uri: LOGGED_OUT, state: 's' }))
    expect(confirm.status).toBe(200)
    expect(confirm.headers.get('location')).toBeNull()
    const confirmForm = parseForm(await confirm.text())
    expect(await stillSignedIn()).toBe(true)
    // The confirmation needs its CSRF token and our origin.
    const { csrf_token: _token, ...withoutToken } = confirmForm.fields
    await expectErrorPage(await browser.post(confirmForm.action, withoutToken), 403)
    await expectErrorPage(await browser.post(confirmForm.action, confirmForm.fields, { origin: 'http://evil.test' }), 403)
    expect(await stillSignedIn()).toBe(true)
    const confirmed = await browser.post(confirmForm.action, confirmForm.fields)
    expect(confirmed.status).toBe(303)
    expect(confirmed.headers.get('location')).toBe(`${LOGGED_OUT}?state=s`)
    expect(await stillSignedIn()).toBe(false)

    // No parameters: a confirmation page, then a logged-out page.
    await authorizationFlow(server, browser, conf)
    const bare = await browser.get(`${server.url}/logout`)
    expect(bare.status).toBe(200)
    const bareForm = parseForm(await bare.text())
    expect(await stillSignedIn()).toBe(true)
    const done = await browser.post(bareForm.action, bareForm.fields)
    expect(done.status).toBe(200)
    expect(done.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await stillSignedIn()).toBe(false)
    // Logging out without a session is harmless and shows the same page.
    expect((await new Browser(new CookieJar()).get(`${server.url}/logout`)).status).toBe(200)
  })

  it('SC-08 cross-site posts to every state-changing form change nothing; GET never changes state', async () => {
    const conf = await registerClient(server)
    const crossSite: Record<string, string>[] = [{ origin: 'http://evil.test' }, { origin: 'null', 'sec-fetch-site': 'cross-site' }]
    const credentials = { username: 'alice', password: 'alice-password' }

    // Login form: no session is created.
    const browser = new Browser()
    const start = await sendAuthorization(server, browser, authorizationRequest(conf).params)
    const login = parseForm(await (await browser.get(start.headers.get('location') ?? '')).text())
    for (const headers of crossSite) await expectErrorPage(await browser.post(login.action, { ...login.fields, ...credentials }, headers), 403)
    expect((await browser.get(`${login.action}?${new URLSearchParams({ ...login.fields, ...credentials }).toString()}`)).status).toBe(405)
    expect(browser.jar.get('tessera-session')).toBeUndefined()

    // Consent form: no consent is stored, no code issued.
    const consentUrl = (await browser.post(login.action, { ...login.fields, ...credentials })).headers.get('location') ?? ''
    const consent = parseForm(await (await browser.get(consentUrl)).text())
    for (const headers of crossSite) await expectErrorPage(await browser.post(consent.action, { ...consent.fields, decision: 'allow' }, headers), 403)
    expect((await browser.get(`${consent.action}?${new URLSearchParams({ ...consent.fields, decision: 'allow' }).toString()}`)).status).toBe(405)
    expect(await server.store.consents.get(server.users.alice.id, conf.id)).toBeUndefined()

    // Logout: a cross-site page can neither post the confirmation nor log out with a GET.
    await completeInteraction(server, browser, await sendAuthorization(server, browser, authorizationRequest(conf).params), { user: server.users.alice })
    const signedIn = async (): Promise<boolean> => (await silentAuthorization(server, browser, conf)).code !== undefined
    expect(await signedIn()).toBe(true)
    const confirm = parseForm(await (await browser.get(`${server.url}/logout`)).text())
    for (const headers of crossSite) await expectErrorPage(await browser.post(confirm.action, confirm.fields, headers), 403)
    await browser.get(`${server.url}/logout?${new URLSearchParams(confirm.fields).toString()}`)
    expect(await signedIn()).toBe(true)
  })

  it('SC-09 a provider session ends at its absolute lifetime however actively it is used', async () => {
    await withSecurityServer({ lifetimes: { session: 4 } }, async (short) => {
      const { conf } = short.clients
      const browser = new Browser()
      const first = await authorizationFlow(short, browser, conf)
      expect(first.shown).toEqual(['login', 'consent'])
      // In use within the lifetime: silent authorization works and does not extend the session.
      await sleep(1000)
      expect((await silentAuthorization(short, browser, conf)).code).toBeDefined()
      await sleep(3300)
      expect((await silentAuthorization(short, browser, conf)).error).toBe('login_required')
      const again = await authorizationFlow(short, browser, conf)
      expect(again.shown).toEqual(['login'])
      expect(again.code).toBeDefined()
    })
  })

  it('SC-09 a provider session unused for its idle timeout needs a new login, even from a saved cookie', async () => {
    await withSecurityServer({ lifetimes: { session: 60, sessionIdle: 3 } }, async (short) => {
      const { conf } = short.clients
      const browser = new Browser()
      expect((await authorizationFlow(short, browser, conf)).shown).toEqual(['login', 'consent'])
      const cookieName = 'tessera-session'
      const atLogin = browser.jar.get(cookieName) ?? ''
      expect(atLogin).toMatch(/^[A-Za-z0-9_-]{43}\.[0-9a-z]+\.[A-Za-z0-9_-]{22}$/)
      // Used every 1.2 s, the session outlives several idle timeouts' worth of time: each use renews it.
      for (let use = 0; use < 4; use++) {
        await sleep(1200)
        expect((await silentAuthorization(short, browser, conf)).code).toBeDefined()
      }
      const renewed = browser.jar.get(cookieName) ?? ''
      expect(renewed).not.toBe(atLogin)
      expect(renewed.split('.')[0]).toBe(atLogin.split('.')[0])
      // The cookie from login time, though its session is alive, is past the idle timeout by itself.
      const stale = new Browser()
      stale.jar.set(cookieName, atLogin)
      expect((await silentAuthorization(short, stale, conf)).error).toBe('login_required')
      // A forged "last use" on a saved cookie is refused by its MAC.
      const [id, , mac] = atLogin.split('.')
      const forged = new Browser()
      forged.jar.set(cookieName, `${id}.${Math.floor(Date.now() / 1000).toString(36)}.${mac}`)
      expect((await silentAuthorization(short, forged, conf)).error).toBe('login_required')
      expect((await silentAuthorization(short, browser, conf)).code).toBeDefined()
      // Left alone past the idle timeout, the session ends: silent login fails and the next flow logs in again.
      await sleep(4200)
      expect((await silentAuthorization(short, browser, conf)).error).toBe('login_required')
      expect((await authorizationFlow(short, browser, conf)).shown).toEqual(['login'])
    })
  })
})
