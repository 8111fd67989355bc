/**
 * Refused passkey assertions are throttled like wrong passwords and TOTP codes (ASVS 6.3.1, catalogue
 * RL-01, MF-01's reasoning): per user once the user is known — the credential's owner in a discoverable
 * sign-in, the pending second step's user — and per client address, over real HTTP with a software
 * authenticator. The tests of this file share one server and its address counter, in order.
 */
import { describe, expect, it } from 'vitest'
import { accountSelfService } from '../../../src/server/account/index.js'
import { createUser } from '../../../src/server/admin.js'
import { setUserRequireMfa } from '../../../src/server/mfa/policy.js'
import { passkeys } from '../../../src/server/passkeys/index.js'
import { Browser, parseForm } from '../../helpers/http-client.js'
import type { TestUser } from '../../helpers/tessera.js'
import { SoftwareAuthenticator, webauthnOptions, type CreationOptions, type RequestOptions } from '../../helpers/webauthn.js'
import { authorizationRequest, registerClient, securityServerForFile, sendAuthorization } from '../../security/helpers.js'

// Three refusals lock a user; eight lock the address (every request here comes from 127.0.0.1).
const server = await securityServerForFile({ capabilities: [accountSelfService({}), passkeys({})], loginThrottle: { lockAfter: 3, perAddress: 8 } })
const client = await registerClient(server)
const origin = new URL(server.url).origin

let userCounter = 0
async function newUser(): Promise<TestUser> {
  const username = `erin-${++userCounter}`
  const user = await createUser(server.store, { username, password: `${username}-password` }, Math.floor(Date.now() / 1000))
  return { id: user.id, username, password: `${username}-password` }
}

async function atLogin(): Promise<{ browser: Browser; html: string }> {
  const browser = new Browser()
  const response = await sendAuthorization(server, browser, authorizationRequest(client).params)
  return { browser, html: await (await browser.get(response.headers.get('location') ?? '')).text() }
}

/** Through the password form (and consent), so that the browser holds a fresh session. */
async function passwordStep(user: TestUser): Promise<{ browser: Browser; response: Response }> {
  const { browser, html } = await atLogin()
  const form = parseForm(html)
  return { browser, response: await browser.post(form.action, { ...form.fields, username: user.username, password: user.password }) }
}

async function userWithPasskey(): Promise<{ user: TestUser; authenticator: SoftwareAuthenticator }> {
  const user = await newUser()
  const { browser, response } = await passwordStep(user)
  const consent = parseForm(await (await browser.get(response.headers.get('location') ?? '')).text())
  await browser.post(consent.action, { ...consent.fields, decision: 'allow' })
  const html = await (await browser.get(`${server.url}/account/passkeys`)).text()
  const authenticator = new SoftwareAuthenticator(origin)
  const { json } = authenticator.register(webauthnOptions<CreationOptions>(html))
  const added = await browser.post(`${server.url}/account/passkeys`, { csrf_token: parseForm(html).fields.csrf_token ?? '', step: 'register', name: 'Key', credential: json })
  expect(added.status).toBe(200)
  return { user, authenticator }
}

interface PasskeyPage { browser: Browser; action: string; csrf: string; options: RequestOptions }

async function openPasskeyPage(browser: Browser, html: string): Promise<PasskeyPage> {
  const action = /action="([^"]*\/passkeys\/sign-in\/[^"]*)"/.exec(html)?.[1] ?? ''
  const csrf = parseForm(html).fields.csrf_token ?? ''
  const page = await (await browser.post(action, { csrf_token: csrf })).text()
  return { browser, action, csrf, options: webauthnOptions<RequestOptions>(page) }
}

async function discoverablePage(): Promise<PasskeyPage> {
  const { browser, html } = await atLogin()
  return openPasskeyPage(browser, html)
}

/** Posts an assertion; for a refused one the page comes back with a fresh challenge to try again. */
async function submit(page: PasskeyPage, credential: string): Promise<{ response: Response; html: string; next: PasskeyPage }> {
  const response = await page.browser.post(page.action, { csrf_token: page.csrf, credential })
  const html = await response.text()
  const next = response.status === 303 ? page : { ...page, options: webauthnOptions<RequestOptions>(html) }
  return { response, html, next }
}

function throttled(userId: string | null): Promise<unknown[]> {
  return server.store.audit.list({ type: 'passkey.throttled', ...(userId ? { subject: userId } : {}), limit: 20 }).then((records) => records.map((record) => record.details.limit))
}

function expectThrottled(result: { response: Response; html: string }): void {
  expect(result.response.status).toBe(429)
  expect(Number(result.response.headers.get('retry-after'))).toBeGreaterThan(0)
  expect(result.html).toContain('Too many failed attempts')
  expect(result.response.headers.getSetCookie().join(';')).not.toMatch(/session=/)
}

describe('passkey throttling', () => {
  it('locks the credential owner after refused discoverable sign-ins: the genuine assertion is refused unchecked, and the lock is audited once', async () => {
    const { user, authenticator } = await userWithPasskey()
    let page = await discoverablePage()
    for (let i = 0; i < 3; i++) {
      const refused = await submit(page, authenticator.assert(page.options, { tamper: true, counter: 0 }))
      expect(refused.response.status).toBe(400)
      page = refused.next
    }
    const genuine = await submit(page, authenticator.assert(page.options))
    expectThrottled(genuine)
    // Another browser, another login: still the same user's lock.
    const fresh = await discoverablePage()
    expectThrottled(await submit(fresh, authenticator.assert(fresh.options)))
    await expect.poll(() => throttled(user.id)).toEqual(['user'])
  })

  it('locks the user at the second step after refused assertions', async () => {
    const { user, authenticator } = await userWithPasskey()
    const { authenticator: other } = await userWithPasskey()
    await setUserRequireMfa(server.store, user.id, true)
    const { browser, response } = await passwordStep(user)
    const secondStep = await (await browser.get(response.headers.get('location') ?? '')).text()
    let page = await openPasskeyPage(browser, secondStep)
    for (let i = 0; i < 3; i++) {
      // Another user's credential, at this user's second step: refused (wrong_user) and counted for this user.
      const refused = await submit(page, other.assert({ ...page.options, allowCredentials: [] }, {}, other.credentials[0]))
      expect(refused.response.status).toBe(400)
      page = refused.next
    }
    expectThrottled(await submit(page, authenticator.assert(page.options)))
    await expect.poll(() => throttled(user.id)).toEqual(['user'])
  })

  it('locks the client address after refusals of unknown credentials, whatever user comes next (runs last: 6 of 8 are counted above)', async () => {
    const stranger = new SoftwareAuthenticator(origin)
    stranger.register({ challenge: 'AAAA', rp: { name: 'x' }, user: { id: 'bm9ib2R5', name: 'nobody' }, pubKeyCredParams: [{ alg: -7 }] })
    let page = await discoverablePage()
    const first = await submit(page, stranger.assert(page.options))
    expect(first.response.status).toBe(400)
    page = first.next
    expect((await submit(page, stranger.assert(page.options))).response.status).toBe(400)
    await expect.poll(() => throttled(null)).toContain('address')
    const { authenticator } = await userWithPasskey()
    const fresh = await discoverablePage()
    expectThrottled(await submit(fresh, authenticator.assert(fresh.options)))
  })
})
