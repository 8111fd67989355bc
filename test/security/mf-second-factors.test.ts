/**
 * Catalogue wave 2 §25 (MF): TOTP as a second factor at the login page, the MFA policy, truthful
 * acr/amr/auth_time and step-up — over real HTTP against the standalone server.
 */
import { describe, expect, it } from 'vitest'
import { createUser } from '../../src/server/admin.js'
import { setUserRequireMfa } from '../../src/server/mfa/policy.js'
import { decodeBase32 } from '../../src/protocol/rfc6238/base32.js'
import { hotp, timeStep } from '../../src/protocol/rfc6238/totp.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import type { TestClient, TestUser } from '../helpers/tessera.js'
import {
  authorizationRequest, decodePayload, expectTokenError, introspect, redeem, refresh, registerClient, securityServerForFile, sendAuthorization, silentAuthorization, verifyIdToken,
} from './helpers.js'

const server = await securityServerForFile()
const client = await registerClient(server)
const ACR_MFA = 'urn:tessera:mfa'
const ACR_PWD = 'urn:tessera:pwd'

let userCounter = 0
async function newUser(): Promise<TestUser> {
  const username = `carol-${++userCounter}`
  const user = await createUser(server.store, { username, password: `${username}-password` }, Math.floor(Date.now() / 1000))
  return { id: user.id, username, password: `${username}-password` }
}

/**
 * An authenticator app: codes of steps not yet used, the next step first — a code of the next step stays
 * inside the server's ±1 window however the clock moves during the test.
 */
class Authenticator {
  readonly used = new Set<number>()
  constructor(readonly key: Uint8Array) {}
  code(): string {
    const now = timeStep(Math.floor(Date.now() / 1000))
    const step = [now + 1, now, now - 1].find((candidate) => !this.used.has(candidate))
    if (step === undefined) throw new Error('no unused step left in the window')
    this.used.add(step)
    return hotp(this.key, step)
  }
}

function recoveryCodesOf(html: string): string[] {
  return [...html.matchAll(/<li>([a-z2-7]{5}-[a-z2-7]{5})<\/li>/g)].map((match) => match[1] ?? '')
}

/** Signs `user` in (password only), then turns TOTP on at the account page, as a person would. */
async function enrol(user: TestUser): Promise<{ browser: Browser; app: Authenticator; recoveryCodes: string[] }> {
  const browser = new Browser()
  await finishFlow(browser, client, user, undefined)
  const page = await browser.get(`${server.url}/account/two-factor`)
  const html = await page.text()
  expect(page.status).toBe(200)
  const secret = /data-secret="([A-Z2-7]+)"/.exec(html)?.[1] ?? ''
  expect(html).toContain('<svg class="qr"')
  const app = new Authenticator(decodeBase32(secret) ?? new Uint8Array())
  const form = parseForm(html)
  const confirmed = await browser.post(form.action, { ...form.fields, code: app.code() })
  const confirmedHtml = await confirmed.text()
  expect(confirmed.status, confirmedHtml.slice(0, 300)).toBe(200)
  const recoveryCodes = recoveryCodesOf(confirmedHtml)
  expect(recoveryCodes).toHaveLength(10)
  return { browser, app, recoveryCodes }
}

interface Finished {
  response: Response
  /** The forms shown, by the last segment of their action. */
  shown: string[]
  verifier: string
  redirectUri: string
  code: string | undefined
  /** The last second-factor page, when it ended there. */
  html: string
}

/**
 * Follows an authorization request like a browser, answering the password form with `user`'s password,
 * the second-factor form with `code()` and consent with allow; stops at the redirect to the client or
 * at a page that does not move on.
 */
async function finishFlow(browser: Browser, target: TestClient, user: TestUser, code: (() => string) | undefined, overrides: Record<string, string | undefined> = {}, headers: Record<string, string> = {}): Promise<Finished> {
  const { params, verifier } = authorizationRequest(target, overrides)
  let response = await sendAuthorization(server, browser, params)
  const shown: string[] = []
  let html = ''
  for (let step = 0; step < 8; step++) {
    const location = response.headers.get('location')
    if (response.status !== 303 || !location?.startsWith(`${server.url}/interaction/`)) break
    const page = await browser.get(location)
    html = await page.text()
    const form = parseForm(html)
    const kind = form.action.split('/').pop() ?? ''
    shown.push(kind)
    if (kind === 'login') response = await browser.post(form.action, { ...form.fields, username: user.username, password: user.password }, headers)
    else if (kind === 'second-factor') {
      if (!code) break
      response = await browser.post(form.action, { ...form.fields, code: code() }, headers)
    } else response = await browser.post(form.action, { ...form.fields, decision: 'allow' }, headers)
  }
  const location = response.headers.get('location')
  const result = location ? new URL(location).searchParams : new URLSearchParams()
  return { response, shown, verifier, redirectUri: params.redirect_uri ?? '', code: result.get('code') ?? undefined, html }
}

async function tokens(flow: Finished, target = client): Promise<{ access_token: string; id_token: string; refresh_token: string }> {
  const response = await redeem(server, target, flow)
  const body = (await response.json()) as { access_token: string; id_token: string; refresh_token: string }
  expect(response.status, JSON.stringify(body)).toBe(200)
  return body
}

/** Up to the second-factor page: the interaction's form, fields and the page itself. */
async function atSecondStep(user: TestUser, browser = new Browser(), headers: Record<string, string> = {}): Promise<{ browser: Browser; action: string; fields: Record<string, string>; verifier: string; redirectUri: string }> {
  const flow = await finishFlow(browser, client, user, undefined, {}, headers)
  expect(flow.shown.at(-1)).toBe('second-factor')
  const form = parseForm(flow.html)
  return { browser, action: form.action, fields: form.fields, verifier: flow.verifier, redirectUri: flow.redirectUri }
}

describe('the second step at login', () => {
  it('issues nothing after the password alone, and two factors after the code (MF-09 amr/acr/auth_time)', async () => {
    const user = await newUser()
    const { app } = await enrol(user)
    const browser = new Browser()
    const step = await atSecondStep(user, browser)
    // No session yet: a prompt=none request in the same browser gets no code.
    expect((await silentAuthorization(server, browser, client)).error).toBe('login_required')
    const done = await browser.post(step.action, { ...step.fields, code: app.code() })
    const location = new URL(done.headers.get('location') ?? '')
    const before = Math.floor(Date.now() / 1000)
    const set = await tokens({ ...step, response: done, shown: [], html: '', code: location.searchParams.get('code') ?? undefined })
    const idToken = await verifyIdToken(server, set.id_token, client.id)
    expect(idToken.amr).toEqual(['pwd', 'otp', 'mfa'])
    expect(idToken.acr).toBe(ACR_MFA)
    expect(Math.abs(Number(idToken.auth_time) - before)).toBeLessThanOrEqual(5)
    expect(decodePayload(set.access_token)).toMatchObject({ acr: ACR_MFA, auth_time: idToken.auth_time })
    const introspection = (await (await introspect(server, client, set.access_token)).json()) as Record<string, unknown>
    expect(introspection).toMatchObject({ active: true, acr: ACR_MFA, auth_time: idToken.auth_time })
  })

  it('accepts a recovery code once, and records its use', async () => {
    const user = await newUser()
    const { recoveryCodes } = await enrol(user)
    const [first = ''] = recoveryCodes
    const ok = await finishFlow(new Browser(), client, user, () => first.toUpperCase())
    expect(ok.code).toBeDefined()
    expect((await verifyIdToken(server, (await tokens(ok)).id_token, client.id)).amr).toEqual(['pwd', 'otp', 'mfa'])
    const again = await finishFlow(new Browser(), client, user, () => first)
    expect(again.code).toBeUndefined()
    expect(again.response.status).toBe(400)
    expect(await server.store.audit.list({ type: 'mfa.recovery_code_used', limit: 10 })).toEqual(expect.arrayContaining([expect.objectContaining({ subject: user.id })]))
  })

  it('MF-01 limits wrong codes per account across transactions and addresses, announced and time-bounded', async () => {
    const user = await newUser()
    const { app } = await enrol(user)
    let last: Response | undefined
    for (let attempt = 0; attempt < 6; attempt++) {
      // A new login transaction every other attempt, from a "different" forwarded address each time.
      const headers = { 'x-forwarded-for': `203.0.113.${attempt + 1}` }
      const step = await atSecondStep(user, new Browser(), headers)
      last = await step.browser.post(step.action, { ...step.fields, code: '000000' }, headers)
      if (last.status === 429) break
      expect(last.status).toBe(400)
    }
    expect(last?.status).toBe(429)
    // Now the right code fails too, in yet another transaction, and the page says until when.
    const step = await atSecondStep(user)
    const refused = await step.browser.post(step.action, { ...step.fields, code: app.code() })
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await refused.text()).toMatch(/Too many wrong codes\. Try again in \d+ minutes?\./)
    expect(refused.headers.get('location')).toBeNull()
  })

  it('MF-02 accepts a code once for the account, whatever the transaction or purpose, and only ±1 step', async () => {
    const user = await newUser()
    const { app, browser: accountBrowser } = await enrol(user)
    const code = app.code()
    expect((await finishFlow(new Browser(), client, user, () => code)).code).toBeDefined()
    // The same code in another browser, and in two parallel logins: refused.
    const second = await finishFlow(new Browser(), client, user, () => code)
    expect(second.code).toBeUndefined()
    expect(second.response.status).toBe(400)
    // Two logins racing with one fresh code: exactly one wins (another user, so that every code used in
    // this test is of the current or next step whatever the clock does meanwhile).
    const racer = await newUser()
    const racerApp = (await enrol(racer)).app
    const [a, b] = await Promise.all([atSecondStep(racer), atSecondStep(racer)])
    const fresh = racerApp.code()
    const results = await Promise.all([a, b].map((step) => step.browser.post(step.action, { ...step.fields, code: fresh })))
    expect(results.map((response) => response.status).sort()).toEqual([303, 400])
    // Steps two away from now are outside the window.
    const now = timeStep(Math.floor(Date.now() / 1000))
    for (const far of [now - 2, now + 3]) {
      const step = await atSecondStep(user)
      expect((await step.browser.post(step.action, { ...step.fields, code: hotp(app.key, far) })).status).toBe(400)
    }
    // The code used to sign in cannot turn the factor off.
    const page = await accountBrowser.get(`${server.url}/account/two-factor`)
    const html = await page.text()
    const disable = [...html.matchAll(/<form method="post" action="([^"]+)">\s*<input type="hidden" name="step" value="disable">\s*<input type="hidden" name="csrf_token" value="([^"]+)">/g)][0]
    expect(disable).toBeDefined()
    const refused = await accountBrowser.post(disable?.[1] ?? '', { step: 'disable', csrf_token: disable?.[2] ?? '', code })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('Two-factor authentication is on')
  })
})

describe('policy and step-up', () => {
  it('MF-09 a password-only login says pwd; essential mfa without UI is login_required; voluntary acr_values answer honestly', async () => {
    const user = await newUser()
    const browser = new Browser()
    const flow = await finishFlow(browser, client, user, undefined)
    const idToken = await verifyIdToken(server, (await tokens(flow)).id_token, client.id)
    expect(idToken.amr).toEqual(['pwd'])
    expect(idToken.acr).toBe(ACR_PWD)
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_MFA] } } })
    expect((await silentAuthorization(server, browser, client, { claims })).error).toBe('login_required')
    const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
    expect(discovery).toMatchObject({ acr_values_supported: [ACR_PWD, ACR_MFA], claims_parameter_supported: true })
    const voluntary = await silentAuthorization(server, browser, client, { acr_values: ACR_MFA })
    expect(voluntary.error).toBeUndefined()
    const set = await tokens({ ...voluntary, response: new Response(), shown: [], html: '' })
    expect((await verifyIdToken(server, set.id_token, client.id)).acr).toBe(ACR_PWD)
  })

  it('MF-10 acr_values=mfa on a password session asks for the code only; refresh keeps the old acr', async () => {
    const user = await newUser()
    const { browser, app, recoveryCodes } = await enrol(user)
    // The session from before enrolment is password-only; its grant's tokens say so.
    const old = await tokens(await finishFlow(browser, client, user, undefined, { scope: 'openid offline_access' }))
    expect(decodePayload(old.access_token).acr).toBe(ACR_PWD)
    const stepped = await finishFlow(browser, client, user, () => app.code(), { acr_values: ACR_MFA, scope: 'openid offline_access' })
    expect(stepped.shown).toEqual(['second-factor'])
    const fresh = await tokens(stepped)
    expect(decodePayload(fresh.access_token).acr).toBe(ACR_MFA)
    const refreshed = (await (await refresh(server, client, old.refresh_token)).json()) as { access_token: string }
    expect(decodePayload(refreshed.access_token).acr).toBe(ACR_PWD)
    // prompt=login asks for the password again, and then the second factor.
    const reauth = await finishFlow(browser, client, user, () => recoveryCodes[0] ?? '', { prompt: 'login' })
    expect(reauth.shown.slice(0, 2)).toEqual(['login', 'second-factor'])
    expect(reauth.code).toBeDefined()
  })

  it('MF-08 a required user without a second factor enrols at login; refresh tokens of password grants are refused', async () => {
    const user = await newUser()
    const before = await tokens(await finishFlow(new Browser(), client, user, undefined, { scope: 'openid offline_access' }))
    await setUserRequireMfa(server.store, user.id, true)
    await expectTokenError(await refresh(server, client, before.refresh_token), 'invalid_grant')
    // The next login goes from the password to enrolment, then the recovery codes, then the client.
    const browser = new Browser()
    const flow = await finishFlow(browser, client, user, undefined)
    expect(flow.shown).toEqual(['login', 'second-factor'])
    const secret = /data-secret="([A-Z2-7]+)"/.exec(flow.html)?.[1] ?? ''
    const app = new Authenticator(decodeBase32(secret) ?? new Uint8Array())
    const form = parseForm(flow.html)
    const done = await browser.post(form.action, { ...form.fields, code: app.code() })
    const html = await done.text()
    expect(done.status).toBe(200)
    expect(recoveryCodesOf(html)).toHaveLength(10)
    const next = /id="continue" href="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&') ?? ''
    // The way on is the consent page (a client nobody vetted), then the client.
    expect(next.startsWith(`${server.url}/interaction/`)).toBe(true)
    const consent = parseForm(await (await browser.get(next)).text())
    const response = await browser.post(consent.action, { ...consent.fields, decision: 'allow' })
    const code = new URL(response.headers.get('location') ?? '').searchParams.get('code') ?? undefined
    const set = await tokens({ response, shown: [], html: '', code, verifier: flow.verifier, redirectUri: flow.redirectUri })
    expect((await verifyIdToken(server, set.id_token, client.id)).acr).toBe(ACR_MFA)
  })
})
