/**
 * Catalogue wave 2 §25 (MF-04, MF-05, MF-06): passkeys at the login page and the account page, over real
 * HTTP against the standalone server, with a software authenticator (test/helpers/webauthn.ts) answering
 * the options the pages carry — honestly, or bent the way an attacker would.
 */
import { describe, expect, it } from 'vitest'
import { accountSelfService } from '../../src/server/account/index.js'
import { createUser } from '../../src/server/admin.js'
import { setUserRequireMfa } from '../../src/server/mfa/policy.js'
import { decodeBase32 } from '../../src/protocol/rfc6238/base32.js'
import { hotp, timeStep } from '../../src/protocol/rfc6238/totp.js'
import { PASSKEY_CHALLENGE } from '../../src/server/passkeys/challenges.js'
import { passkeys } from '../../src/server/passkeys/index.js'
import { LOGIN_SESSION } from '../../src/storage/kinds/sessions.js'
import { passkeyCredentials } from '../../src/storage/kinds/passkeys.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import type { TestUser } from '../helpers/tessera.js'
import { SoftwareAuthenticator, webauthnOptions, type Bend, type CreationOptions, type RequestOptions, type SoftwareCredential } from '../helpers/webauthn.js'
import { authorizationRequest, decodePayload, redeem, registerClient, securityServerForFile, sendAuthorization } from './helpers.js'

// ES256 and RS256 only, so that an EdDSA credential is outside the configured list (MF-05). The bent
// assertions of MF-04 are dozens of refusals for one user from one address: the throttle (tested in
// test/server/passkeys/throttle.test.ts) is set out of their way, so each reaches the checks it is about.
const server = await securityServerForFile({ capabilities: [accountSelfService({}), passkeys({ algorithms: [-7, -257] })], loginThrottle: { lockAfter: 1000, perAddress: 10_000 } })
const client = await registerClient(server)
const origin = new URL(server.url).origin
const port = new URL(server.url).port
const NOT_ACCEPTED = 'That passkey could not be used'
const NOT_REGISTERED = 'That passkey could not be added'

let userCounter = 0
async function newUser(): Promise<TestUser> {
  const username = `dave-${++userCounter}`
  const user = await createUser(server.store, { username, password: `${username}-password` }, Math.floor(Date.now() / 1000))
  return { id: user.id, username, password: `${username}-password` }
}

interface Flow {
  browser: Browser
  verifier: string
  redirectUri: string
}

/** Answers consent pages with "allow" until the redirect to the client; returns the code, if any. */
async function toClient(flow: Flow, response: Response): Promise<string | undefined> {
  for (let step = 0; step < 4; step++) {
    const location = response.headers.get('location')
    if (response.status !== 303 || location === null) return undefined
    if (!location.startsWith(`${server.url}/interaction/`)) return new URL(location).searchParams.get('code') ?? undefined
    const form = parseForm(await (await flow.browser.get(location)).text())
    if (!form.action.endsWith('/consent')) return undefined
    response = await flow.browser.post(form.action, { ...form.fields, decision: 'allow' })
  }
  return undefined
}

/** A new authorization request in `browser`, up to the login page. */
async function atLogin(browser = new Browser()): Promise<Flow & { html: string; interaction: string }> {
  const { params, verifier } = authorizationRequest(client)
  const response = await sendAuthorization(server, browser, params)
  const interaction = response.headers.get('location') ?? ''
  expect(interaction.startsWith(`${server.url}/interaction/`)).toBe(true)
  const html = await (await browser.get(interaction)).text()
  return { browser, verifier, redirectUri: params.redirect_uri ?? '', html, interaction }
}

/** Signs `user` in by password (a fresh session) and returns the browser. */
async function signedIn(user: TestUser): Promise<Browser> {
  const flow = await atLogin()
  const form = parseForm(flow.html)
  const response = await flow.browser.post(form.action, { ...form.fields, username: user.username, password: user.password })
  expect(await toClient(flow, response)).toBeDefined()
  return flow.browser
}

interface PasskeyPage extends Flow {
  action: string
  csrf: string
  options: RequestOptions
  html: string
}

/** Posts a "Use a passkey" form of `html` (login page or second step) and reads the WebAuthn page it answers. */
async function openPasskeyPage(flow: Flow, html: string): Promise<PasskeyPage> {
  const action = /action="([^"]*\/passkeys\/sign-in\/[^"]*)"/.exec(html)?.[1] ?? ''
  expect(action, html.slice(0, 400)).not.toBe('')
  const csrf = parseForm(html).fields.csrf_token ?? ''
  const page = await flow.browser.post(action, { csrf_token: csrf })
  const pageHtml = await page.text()
  expect(page.status, pageHtml.slice(0, 300)).toBe(200)
  expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[^']+'/)
  return { ...flow, action, csrf, options: webauthnOptions<RequestOptions>(pageHtml), html: pageHtml }
}

async function passkeyPage(): Promise<PasskeyPage> {
  const flow = await atLogin()
  return openPasskeyPage(flow, flow.html)
}

function submit(page: PasskeyPage, credential: string): Promise<Response> {
  return page.browser.post(page.action, { csrf_token: page.csrf, credential })
}

async function idTokenOf(flow: Flow, code: string): Promise<Record<string, unknown>> {
  const response = await redeem(server, client, { code, verifier: flow.verifier, redirectUri: flow.redirectUri })
  const body = (await response.json()) as { id_token: string }
  expect(response.status).toBe(200)
  return decodePayload(body.id_token) as Record<string, unknown>
}

/** Registers a passkey for the signed-in `browser`'s user at the account page. */
async function register(browser: Browser, authenticator: SoftwareAuthenticator, bend: Bend & { alg?: -7 | -8 } = {}, options?: CreationOptions): Promise<{ response: Response; html: string; credential: SoftwareCredential }> {
  const page = await browser.get(`${server.url}/account/passkeys`)
  const html = await page.text()
  expect(page.status).toBe(200)
  const creation = options ?? webauthnOptions<CreationOptions>(html)
  const { json, credential } = authenticator.register(creation, bend)
  const csrf = parseForm(html).fields.csrf_token ?? ''
  const response = await browser.post(`${server.url}/account/passkeys`, { csrf_token: csrf, step: 'register', name: 'Laptop', credential: json })
  return { response, html: await response.text(), credential }
}

/** A user with one passkey on `authenticator`, registered from a fresh password sign-in. */
async function userWithPasskey(authenticator = new SoftwareAuthenticator(origin)): Promise<{ user: TestUser; authenticator: SoftwareAuthenticator; credential: SoftwareCredential }> {
  const user = await newUser()
  const { response, html, credential } = await register(await signedIn(user), authenticator)
  expect(response.status, html.slice(0, 400)).toBe(200)
  expect(html).toContain('Passkey “Laptop” added.')
  return { user, authenticator, credential }
}

function failureReasons(userId: string): Promise<unknown[]> {
  return server.store.audit.list({ type: 'passkey.failed', subject: userId, limit: 50 }).then((records) => records.map((record) => record.details.reason))
}

/** A refused assertion: the generic message, no redirect, no session cookie. */
async function expectRefused(response: Response): Promise<void> {
  const html = await response.text()
  expect(response.status).toBe(400)
  expect(html).toContain(NOT_ACCEPTED)
  expect(response.headers.get('location')).toBeNull()
  expect(response.headers.getSetCookie().join(';')).not.toMatch(/session=/)
}

describe('passkeys (catalogue wave 2 §25)', () => {
  it('signs in without a password: a discoverable passkey with UV gives hwk and mfa, acr urn:tessera:mfa', async () => {
    const { authenticator } = await userWithPasskey()
    const page = await passkeyPage()
    expect(page.options.allowCredentials ?? []).toEqual([])
    expect((page.options as { userVerification?: string }).userVerification).toBe('required')
    const code = await toClient(page, await submit(page, authenticator.assert(page.options)))
    expect(code).toBeDefined()
    const claims = await idTokenOf(page, code ?? '')
    expect(claims.amr).toEqual(['hwk', 'mfa'])
    expect(claims.acr).toBe('urn:tessera:mfa')
  })

  it('a synced passkey (backup eligible) is swk', async () => {
    const { authenticator } = await userWithPasskey(new SoftwareAuthenticator(origin, { backupEligible: true, counting: false }))
    const page = await passkeyPage()
    const code = await toClient(page, await submit(page, authenticator.assert(page.options, { bs: true })))
    expect((await idTokenOf(page, code ?? '')).amr).toEqual(['swk', 'mfa'])
  })

  it('is offered at the second step next to TOTP and adds hwk to pwd', async () => {
    const { user, authenticator } = await userWithPasskey()
    // TOTP on as well, from the account page.
    const browser = await signedIn(user)
    const totpPage = await (await browser.get(`${server.url}/account/two-factor`)).text()
    const key = decodeBase32(/data-secret="([A-Z2-7]+)"/.exec(totpPage)?.[1] ?? '') ?? new Uint8Array()
    const confirm = parseForm(totpPage)
    expect((await browser.post(confirm.action, { ...confirm.fields, code: hotp(key, timeStep(Math.floor(Date.now() / 1000))) })).status).toBe(200)

    const flow = await atLogin()
    const form = parseForm(flow.html)
    const response = await flow.browser.post(form.action, { ...form.fields, username: user.username, password: user.password })
    const secondStep = await (await flow.browser.get(response.headers.get('location') ?? '')).text()
    expect(secondStep).toContain('Authentication code')
    expect(secondStep).toContain('Use a passkey')
    const page = await openPasskeyPage(flow, secondStep)
    expect(page.options.allowCredentials?.map((entry) => entry.id)).toEqual([authenticator.credentials[0]?.id])
    const code = await toClient(page, await submit(page, authenticator.assert(page.options)))
    const claims = await idTokenOf(page, code ?? '')
    expect(claims.amr).toEqual(['pwd', 'hwk', 'mfa'])
    expect(claims.acr).toBe('urn:tessera:mfa')
  })

  it('a passkey alone adds no step to a password sign-in, and is the one second factor offered where policy requires two', async () => {
    const { user, authenticator } = await userWithPasskey()
    const plain = await atLogin()
    const plainForm = parseForm(plain.html)
    const plainCode = await toClient(plain, await plain.browser.post(plainForm.action, { ...plainForm.fields, username: user.username, password: user.password }))
    expect((await idTokenOf(plain, plainCode ?? '')).amr).toEqual(['pwd'])
    await setUserRequireMfa(server.store, user.id, true)
    const flow = await atLogin()
    const form = parseForm(flow.html)
    const response = await flow.browser.post(form.action, { ...form.fields, username: user.username, password: user.password })
    const secondStep = await (await flow.browser.get(response.headers.get('location') ?? '')).text()
    expect(secondStep).not.toContain('Authentication code')
    expect(secondStep).not.toContain('Set up two-factor')
    const page = await openPasskeyPage(flow, secondStep)
    const code = await toClient(page, await submit(page, authenticator.assert(page.options)))
    expect((await idTokenOf(page, code ?? '')).amr).toEqual(['pwd', 'hwk', 'mfa'])
  })

  it('MF-04 WebAuthn assertions are fully verified: every bent field fails with a generic error and no session; the genuine assertion succeeds once', async () => {
    const { user: dave, authenticator } = await userWithPasskey()
    const { user: alice, authenticator: aliceKeys } = await userWithPasskey()
    const variants: [string, Bend][] = [
      ['type webauthn.create', { type: 'webauthn.create' }],
      ['another port', { origin: `http://localhost:${String(Number(port) + 1)}` }],
      ['a subdomain', { origin: `http://evil.localhost:${port}` }],
      ['https', { origin: `https://localhost:${port}` }],
      ['the IP address', { origin: `http://127.0.0.1:${port}` }],
      ['rpIdHash of evil.test', { rpId: 'evil.test' }],
      ['UP cleared', { up: false }],
      ['UV cleared while UV is required', { uv: false }],
      ['userHandle of another user', { userHandle: Buffer.from(alice.id).toString('base64url') }],
      ['no userHandle in a discoverable sign-in', { userHandle: null }],
      ['modified authenticator data', { tamper: true }],
      ['crossOrigin with a foreign topOrigin', { crossOrigin: true, topOrigin: 'http://evil.test' }],
    ]
    for (const [name, bend] of variants) {
      const page = await passkeyPage()
      const response = await submit(page, authenticator.assert(page.options, { ...bend, counter: 0 }))
      await expectRefused(response).catch((error: unknown) => {
        throw new Error(`${name}: ${String(error)}`)
      })
      // The challenge went with the failed attempt: the genuine assertion cannot follow it.
      await expectRefused(await submit(page, authenticator.assert(page.options)))
    }

    // A challenge of another session (browser), and one already used.
    const first = await passkeyPage()
    const second = await passkeyPage()
    await expectRefused(await submit(second, authenticator.assert(first.options)))
    const genuine = authenticator.assert(first.options)
    expect(await toClient(first, await submit(first, genuine))).toBeDefined()
    const third = await passkeyPage()
    await expectRefused(await submit(third, genuine))

    // An expired challenge.
    const expired = await passkeyPage()
    const interactionId = expired.action.split('/').pop() ?? ''
    const now = Math.floor(Date.now() / 1000)
    await server.store.records.put(PASSKEY_CHALLENGE, { key: `sign-in.${interactionId}`, value: { challenge: expired.options.challenge, user_id: null, user_verification: true }, expiresAt: now - 1 }, { replace: true })
    await expectRefused(await submit(expired, authenticator.assert(expired.options)))

    // A credential registered to alice at dave's second step.
    await setUserRequireMfa(server.store, dave.id, true)
    const flow = await atLogin()
    const form = parseForm(flow.html)
    const afterPassword = await flow.browser.post(form.action, { ...form.fields, username: dave.username, password: dave.password })
    const step = await openPasskeyPage(flow, await (await flow.browser.get(afterPassword.headers.get('location') ?? '')).text())
    await expectRefused(await submit(step, aliceKeys.assert(step.options, {}, aliceKeys.credentials[0])))
    await expect.poll(() => failureReasons(dave.id)).toEqual(expect.arrayContaining(['wrong_user', 'invalid']))
  })

  it('MF-05 WebAuthn registration enforces policy on the server', async () => {
    const { credential: alicesCredential } = await userWithPasskey()
    const dave = await newUser()
    const browser = await signedIn(dave)
    const authenticator = new SoftwareAuthenticator(origin)
    const refused = async (bend: Bend & { alg?: -7 | -8 }): Promise<void> => {
      const { response, html } = await register(browser, authenticator, bend)
      expect(response.status).toBe(400)
      expect(html).toContain(NOT_REGISTERED)
    }
    await refused({ alg: -8 })
    await refused({ credentialId: Buffer.from(alicesCredential.id, 'base64url') })
    // Longer than WebAuthn's 1,023 bytes, short enough to pass the form's parameter limit and reach the check.
    await refused({ credentialId: Buffer.alloc(1100, 7) })
    await refused({ uv: false })
    await refused({ origin: `http://evil.localhost:${port}` })
    await refused({ type: 'webauthn.get' })
    expect(await passkeyCredentials(server.store.records).listByUser(dave.id)).toEqual([])

    // The registration challenge is single use: options shown once register at most one credential.
    const page = await (await browser.get(`${server.url}/account/passkeys`)).text()
    const options = webauthnOptions<CreationOptions>(page)
    const post = (json: string): Promise<Response> => browser.post(`${server.url}/account/passkeys`, { csrf_token: parseForm(page).fields.csrf_token ?? '', step: 'register', name: 'Laptop', credential: json })
    expect((await post(authenticator.register(options).json)).status).toBe(200)
    const again = await post(authenticator.register(options).json)
    expect(again.status).toBe(400)
    expect(await again.text()).toContain(NOT_REGISTERED)
    expect(await passkeyCredentials(server.store.records).listByUser(dave.id)).toHaveLength(1)

    // A session older than the re-authentication window must enter the password first.
    const now = Math.floor(Date.now() / 1000)
    for (const session of await server.store.records.listBySubject(LOGIN_SESSION, dave.id)) {
      await server.store.records.put(LOGIN_SESSION, { key: session.key, value: { ...session.value, auth_time: now - 3600 }, expiresAt: session.expiresAt, subject: dave.id }, { replace: true })
    }
    const stale = await browser.get(`${server.url}/account/passkeys`)
    const staleHtml = await stale.text()
    expect(staleHtml).toContain('Enter your password again')
    expect(staleHtml).not.toContain('data-webauthn')
    const blocked = await browser.post(`${server.url}/account/passkeys`, { csrf_token: parseForm(staleHtml).fields.csrf_token ?? '', step: 'register', credential: authenticator.register(options).json })
    expect(blocked.status).toBe(403)
    expect(await passkeyCredentials(server.store.records).listByUser(dave.id)).toHaveLength(1)
    // The user is told of each new authenticator on the account page, and the operator in the audit trail.
    expect(await server.store.audit.list({ type: 'passkey.registered', subject: dave.id, limit: 5 })).toHaveLength(1)
  })

  it('MF-06 signature counter and backup-flag signals', async () => {
    const { user, authenticator, credential } = await userWithPasskey()
    const signIn = async (bend: Bend): Promise<Response> => {
      const page = await passkeyPage()
      return submit(page, authenticator.assert(page.options, bend, credential))
    }
    expect((await signIn({ counter: 5 })).status).toBe(303)
    expect((await signIn({ counter: 6 })).status).toBe(303)
    await expectRefused(await signIn({ counter: 6 }))
    await expectRefused(await signIn({ counter: 3 }))
    // A credential registered with BE=0 that later asserts BE=1, BS=1.
    await expectRefused(await signIn({ counter: 7, be: true, bs: true }))
    await expect.poll(() => failureReasons(user.id)).toEqual(expect.arrayContaining(['counter', 'backup_eligibility']))
    expect((await server.store.audit.list({ type: 'passkey.failed', subject: user.id, limit: 10 })).filter((record) => record.details.reason === 'counter')).toHaveLength(2)

    // An authenticator that always reports 0 (a synced passkey) is accepted every time.
    const { authenticator: zero } = await userWithPasskey(new SoftwareAuthenticator(origin, { counting: false }))
    for (let i = 0; i < 3; i++) {
      const page = await passkeyPage()
      expect((await submit(page, zero.assert(page.options))).status).toBe(303)
    }
  })

  it('the account page lists, renames and removes passkeys; another user cannot touch them', async () => {
    const { user, credential } = await userWithPasskey()
    const browser = await signedIn(user)
    const page = await (await browser.get(`${server.url}/account/passkeys`)).text()
    const csrf = parseForm(page).fields.csrf_token ?? ''
    expect(page).toContain('Laptop')
    expect(await (await browser.get(`${server.url}/account`)).text()).toContain('Manage passkeys')
    const renamed = await (await browser.post(`${server.url}/account/passkeys`, { csrf_token: csrf, step: 'rename', credential_id: credential.id, name: 'Work laptop' })).text()
    expect(renamed).toContain('Passkey renamed to “Work laptop”.')

    const mallory = await newUser()
    const other = await signedIn(mallory)
    const otherCsrf = parseForm(await (await other.get(`${server.url}/account/passkeys`)).text()).fields.csrf_token ?? ''
    expect((await other.post(`${server.url}/account/passkeys`, { csrf_token: otherCsrf, step: 'delete', credential_id: credential.id })).status).toBe(400)
    expect(await passkeyCredentials(server.store.records).listByUser(user.id)).toHaveLength(1)

    const removed = await (await browser.post(`${server.url}/account/passkeys`, { csrf_token: csrf, step: 'delete', credential_id: credential.id })).text()
    expect(removed).toContain('removed')
    expect(await passkeyCredentials(server.store.records).listByUser(user.id)).toEqual([])
  })

  it('serves its script as a static asset and keeps scripts off every other page', async () => {
    const script = await fetch(`${server.url}/passkeys/script.js`)
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(await script.text()).toContain('navigator.credentials.get')
    const flow = await atLogin()
    expect(flow.html).toContain('Sign in with a passkey')
    const login = await flow.browser.get(flow.interaction)
    expect(login.headers.get('content-security-policy')).not.toContain('script-src')
    // Without JavaScript the passkey form posts no credential: the page comes back, nothing is signed in.
    const page = await openPasskeyPage(flow, flow.html)
    expect((await submit(page, '')).status).toBe(200)
  })
})
