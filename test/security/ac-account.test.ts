import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '../../src/crypto/random.js'
import { accountSelfService } from '../../src/server/account/index.js'
import { PASSWORD_RESET } from '../../src/server/account/records.js'
import { createUser } from '../../src/server/admin.js'
import { LOGIN_SESSION } from '../../src/storage/kinds/sessions.js'
import { askForReset, formFor, linkIn, nextResetLink, openAccount, signedIn, submitAccountForm, useResetLink } from '../helpers/account.js'
import { Browser } from '../helpers/http-client.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js'
import { authorize, authorizeUrl, clientPost, obtainTokens, startTestServer, type TestServer } from '../helpers/tessera.js'

let server: TestServer
let sink: SmtpSink

beforeAll(async () => {
  sink = await startSmtpSink()
  server = await startTestServer({
    store: 'memory', accessTokenFormat: 'opaque',
    capabilities: [accountSelfService({ mail: { url: sink.url, from: 'Tessera <no-reply@example.test>' }, registration: true })],
  })
})

afterAll(async () => {
  await server?.close()
  await sink?.close()
})

let users = 0
/** A user of their own per test, with a verified address, so tests do not share passwords or mailboxes. */
async function newUser(options: { verified?: boolean } = {}): Promise<{ id: string; username: string; password: string; email: string }> {
  const username = `user${++users}`
  const email = `${username}@example.test`
  const user = await createUser(server.store, { username, password: `${username}-password`, email, emailVerified: options.verified ?? true }, Math.floor(Date.now() / 1000))
  return { id: user.id, username, password: `${username}-password`, email }
}

function refresh(refreshToken: string): Promise<Response> {
  return clientPost(server, '/token', server.clients.conf, { grant_type: 'refresh_token', refresh_token: refreshToken })
}

async function introspect(token: string): Promise<boolean> {
  const response = await clientPost(server, '/introspect', server.clients.conf, { token })
  return ((await response.json()) as { active: boolean }).active
}

/** What the server says, with what differs per response by design (time, CSP nonce) taken out. */
async function comparable(response: Response): Promise<{ status: number; body: string; headers: [string, string][] }> {
  const nonce = /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1] ?? '\0'
  const headers = [...response.headers].filter(([name]) => name !== 'date').map(([name, value]): [string, string] => [name, value.replaceAll(nonce, 'NONCE')])
  return { status: response.status, body: (await response.text()).replaceAll(nonce, 'NONCE'), headers }
}

describe('AC-01 password-reset tokens are single-use, short-lived and only the newest is valid', () => {
  it('AC-01 T1 dies when T2 is sent, T2 works once, tokens are 256 bits stored as their hash', async () => {
    const carol = await newUser()
    expect((await askForReset(server.url, carol.email)).status).toBe(200)
    const t1 = await nextResetLink(sink, carol.email)
    await askForReset(server.url, carol.email)
    const t2 = await nextResetLink(sink, carol.email)
    const token = new URL(t2).searchParams.get('token') ?? ''
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await server.store.records.get(PASSWORD_RESET, token, Math.floor(Date.now() / 1000))).toBeUndefined()
    expect(await server.store.records.get(PASSWORD_RESET, sha256(token), Math.floor(Date.now() / 1000))).toBeDefined()

    const done = await useResetLink(t2, 'carol-new-password')
    expect(done.status).toBe(200)
    expect(await done.text()).toContain('Your password has been changed')
    expect((await useResetLink(t2, 'carol-newer-password')).status).toBe(400)
    expect((await useResetLink(t1, 'carol-newer-password')).status).toBe(400)
    expect(await signedIn(server.url, await signIn({ ...carol, password: 'carol-new-password' }))).toBe(true)
  })

  it('AC-01 T3 dies when the password is changed on the account page', async () => {
    const carol = await newUser()
    await askForReset(server.url, carol.email)
    const t3 = await nextResetLink(sink, carol.email)
    const changed = await submitAccountForm(server.url, new Browser(), carol, '/account/password', { current_password: carol.password, new_password: 'changed-on-page' })
    expect(changed.headers.get('location')).toContain('notice=password')
    expect((await useResetLink(t3, 'from-the-old-link')).status).toBe(400)
  })

  it('AC-01 T5 submitted from two browsers at once: exactly one success', async () => {
    const carol = await newUser()
    await askForReset(server.url, carol.email)
    const t5 = await nextResetLink(sink, carol.email)
    const [a, b] = [new Browser(), new Browser()]
    const forms = await Promise.all([a, b].map(async (browser) => formFor(await (await browser.get(t5)).text(), '/confirm')))
    const answers = await Promise.all([
      a.post(forms[0]?.action ?? '', { ...forms[0]?.fields, new_password: 'browser-a-password' }),
      b.post(forms[1]?.action ?? '', { ...forms[1]?.fields, new_password: 'browser-b-password' }),
    ])
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400])
  })

  it('AC-01 T6 with an edited token, user or e-mail parameter, and other tokens used as reset tokens: invalid', async () => {
    const carol = await newUser()
    const dave = await newUser()
    await askForReset(server.url, carol.email)
    const t6 = await nextResetLink(sink, carol.email)
    const token = new URL(t6).searchParams.get('token') ?? ''
    const edited = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
    expect((await useResetLink(t6.replace(token, edited), 'edited-token-pass')).status).toBe(400)
    // Extra user or address parameters change nothing: the token alone names the account.
    const browser = new Browser()
    const form = formFor(await (await browser.get(t6)).text(), '/confirm')
    const answer = await browser.post(form.action, { ...form.fields, new_password: 'carol-t6-password', user: dave.username, user_id: dave.id, email: dave.email })
    expect(answer.status).toBe(200)
    expect(await signedIn(server.url, await signIn(dave))).toBe(true)
    expect(await signedIn(server.url, await signIn({ ...carol, password: 'carol-t6-password' }))).toBe(true)

    // An e-mail verification token of the same user is not a reset token.
    await submitAccountForm(server.url, new Browser(), { ...carol, password: 'carol-t6-password' }, '/account/email', { email: 'carol-new@example.test' })
    const verification = linkIn((await sink.next('carol-new@example.test')).body, '/account/verify-email?token=')
    const verificationToken = new URL(verification).searchParams.get('token') ?? ''
    expect((await useResetLink(`${server.url}/account/password-reset/confirm?token=${verificationToken}`, 'substituted-pass')).status).toBe(400)
  })
})

async function signIn(user: { username: string; password: string }, browser = new Browser()): Promise<Browser> {
  await openAccount(server.url, browser, user)
  return browser
}

describe('AC-02 no account enumeration through reset or registration', () => {
  it('AC-02 forgot-password answers the same for a known and an unknown address; only the owner gets mail', async () => {
    const erin = await newUser()
    const browser = new Browser()
    await browser.get(`${server.url}/account/password-reset`)
    const samples = async (email: string) => {
      const page = await (await browser.get(`${server.url}/account/password-reset`)).text()
      const form = formFor(page, '/account/password-reset')
      return comparable(await browser.post(form.action, { ...form.fields, email }))
    }
    for (let round = 0; round < 5; round++) {
      const known = await samples(erin.email)
      const unknown = await samples(`nobody-${round}@example.test`)
      expect(unknown).toEqual(known)
      expect(known.headers.find(([name]) => name === 'set-cookie')).toBeUndefined()
    }
    await sink.next(erin.email)
    // An unverified address proves nothing about who reads it: no reset link goes there (AC-05).
    const unverified = await newUser({ verified: false })
    expect(await comparable(await askForReset(server.url, unverified.email, browser))).toEqual(await comparable(await askForReset(server.url, 'nobody@example.test', browser)))
    await askForReset(server.url, erin.email, browser)
    await sink.next(erin.email)
    expect(sink.to(unverified.email)).toEqual([])
    expect(sink.to('nobody@example.test')).toEqual([])
  })

  it('AC-02 registering an existing address answers like a new one and mails the owner instead', async () => {
    const frank = await newUser()
    const browser = new Browser()
    const registerWith = async (username: string, email: string) => {
      const page = await (await browser.get(`${server.url}/account/register`)).text()
      const form = formFor(page, '/account/register')
      return comparable(await browser.post(form.action, { ...form.fields, username, email, password: 'a-long-password' }))
    }
    const existing = await registerWith('frank-again', frank.email)
    const fresh = await registerWith('brand-new-user', 'brand-new@example.test')
    expect(fresh).toEqual(existing)
    expect((await sink.next(frank.email)).subject).toContain('Someone tried to register')
    const welcome = await sink.next('brand-new@example.test')
    expect(welcome.subject).toContain('Confirm your e-mail address')
    expect(await server.store.users.getByUsername('frank-again')).toBeUndefined()
    // A taken username answers the same too; the mail says so to the address given.
    expect(await registerWith(frank.username, 'someone-else@example.test')).toEqual(existing)
    expect((await sink.next('someone-else@example.test')).subject).toContain('Choose another username')

    // The new account's address becomes verified only through its link.
    const created = await server.store.users.getByUsername('brand-new-user')
    expect(created?.email_verified).toBe(false)
    const link = linkIn(welcome.body, '/account/verify-email?token=')
    const confirmBrowser = new Browser()
    const form = formFor(await (await confirmBrowser.get(link)).text(), '/account/verify-email')
    expect((await confirmBrowser.post(form.action, form.fields)).status).toBe(200)
    expect((await server.store.users.getByUsername('brand-new-user'))?.email_verified).toBe(true)
  })
})

describe('AC-04 the reset flow cannot be driven without the mailed secret and does not drop the login', () => {
  it('AC-04 no step beyond "mail sent" without the token', async () => {
    const carol = await newUser()
    await askForReset(server.url, carol.email)
    await sink.next(carol.email)
    const browser = new Browser()
    for (const path of ['/account/password-reset/confirm', '/account/password-reset/confirm?token=', `/account/password-reset/confirm?token=${'A'.repeat(43)}`]) {
      const page = await browser.get(`${server.url}${path}`)
      expect(page.status).toBe(400)
      expect(await page.text()).not.toContain('new_password')
    }
    // The update step posted directly, with the CSRF token of a page the browser did get, and no valid token.
    const request = await (await browser.get(`${server.url}/account/password-reset`)).text()
    const csrf = formFor(request, '/account/password-reset').fields.csrf_token ?? ''
    for (const token of [undefined, '', 'A'.repeat(43)]) {
      const answer = await browser.post(`${server.url}/account/password-reset/confirm`, { csrf_token: csrf, new_password: 'hijacked-password', ...(token === undefined ? {} : { token }), user: carol.username })
      expect([400, 403]).toContain(answer.status)
    }
    expect(await signedIn(server.url, await signIn(carol))).toBe(true)
  })

  it('AC-04 after a genuine reset: old session, refresh and access tokens are dead, the user must sign in again, and is told', async () => {
    const carol = await newUser()
    const oldBrowser = await signIn(carol)
    const tokens = await obtainTokens(server, { client: server.clients.conf, user: carol, scope: 'openid offline_access notes:read' }, new Browser())
    expect(await introspect(tokens.access_token)).toBe(true)

    await askForReset(server.url, carol.email)
    const link = await nextResetLink(sink, carol.email)
    const resetter = new Browser()
    expect((await useResetLink(link, 'carol-after-reset', resetter)).status).toBe(200)

    expect(await signedIn(server.url, oldBrowser)).toBe(false)
    // The reset signs nobody in: the next sign-in goes through the login page (where any second step is asked).
    expect(await signedIn(server.url, resetter)).toBe(false)
    const refreshed = await refresh(tokens.refresh_token ?? '')
    expect(refreshed.status).toBe(400)
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant')
    expect(await introspect(tokens.access_token)).toBe(false)
    expect((await sink.next(carol.email)).subject).toContain('password was changed')
  })
})

describe('AC-05 e-mail verification proves control of that exact address', () => {
  it('AC-05 only the newest link verifies, for its own address, once, and not from another user\'s session', async () => {
    const alice = await newUser()
    const bob = await newUser()
    const browser = await signIn(alice)
    const change = async (email: string) => {
      const page = await openAccount(server.url, browser, alice)
      const form = formFor(page, '/account/email')
      return browser.post(form.action, { ...form.fields, email })
    }
    expect((await change('new@example.test')).headers.get('location')).toContain('notice=email-sent')
    const l1 = linkIn((await sink.next('new@example.test')).body, '/account/verify-email?token=')
    expect((await sink.next(alice.email)).subject).toContain('is being changed')
    await change('victim@example.test')
    const l2 = linkIn((await sink.next('victim@example.test')).body, '/account/verify-email?token=')
    // Nothing changed yet: the address is the old one, still verified.
    expect(await server.store.users.get(alice.id)).toMatchObject({ email: alice.email, email_verified: true })

    expect((await browser.get(l1)).status).toBe(400)

    const bobBrowser = await signIn(bob)
    const bobForm = formFor(await (await bobBrowser.get(l2)).text(), '/account/verify-email')
    expect((await bobBrowser.post(bobForm.action, { ...bobForm.fields, email: 'attacker@example.test' })).status).toBe(403)
    expect((await server.store.users.get(bob.id))?.email).toBe(bob.email)

    const form = formFor(await (await browser.get(l2)).text(), '/account/verify-email')
    const verified = await browser.post(form.action, { ...form.fields, email: 'edited@example.test' })
    expect(verified.headers.get('location')).toContain('notice=email-verified')
    expect(await server.store.users.get(alice.id)).toMatchObject({ email: 'victim@example.test', email_verified: true })
    expect((await browser.post(form.action, form.fields)).status).toBe(400)
  })
})

describe('AC-07 account routes authorise every object', () => {
  it('AC-07 alice cannot end bob\'s session or disconnect bob\'s app; the acting user never comes from the form', async () => {
    const alice = await newUser()
    const bob = await newUser()
    const aliceBrowser = await signIn(alice)
    const bobBrowser = await signIn(bob)
    await authorize(server, bobBrowser, { client: server.clients.conf, user: bob, scope: 'openid' })
    const bobSid = (await server.store.records.listBySubject(LOGIN_SESSION, bob.id))[0]?.value.sid ?? ''
    expect(bobSid).not.toBe('')

    const page = await openAccount(server.url, aliceBrowser, alice)
    const csrf = formFor(page, '/account/sessions/revoke').fields.csrf_token ?? ''
    const otherSession = await aliceBrowser.post(`${server.url}/account/sessions/revoke`, { csrf_token: csrf, session: bobSid })
    expect(otherSession.status).toBe(404)
    expect(await signedIn(server.url, bobBrowser)).toBe(true)
    const otherApp = await aliceBrowser.post(`${server.url}/account/apps/revoke`, { csrf_token: csrf, client_id: server.clients.conf.id, user_id: bob.id })
    expect(otherApp.status).toBe(404)
    expect(await server.store.consents.get(bob.id, server.clients.conf.id)).toBeDefined()

    const profile = await aliceBrowser.post(`${server.url}/account/profile`, { csrf_token: csrf, name: 'Renamed', user_id: bob.id, username: bob.username })
    expect(profile.status).toBe(303)
    expect((await server.store.users.get(alice.id))?.name).toBe('Renamed')
    expect((await server.store.users.get(bob.id))?.name).toBeNull()
  })

  it('AC-07 without a session, with a foreign Origin or without the CSRF token: nothing changes', async () => {
    const alice = await newUser()
    const browser = await signIn(alice)
    const page = await openAccount(server.url, browser, alice)
    const csrf = formFor(page, '/account/profile').fields.csrf_token ?? ''
    const anonymous = await new Browser().post(`${server.url}/account/profile`, { csrf_token: csrf, name: 'Anonymous' })
    expect(anonymous.status).toBe(303)
    expect(anonymous.headers.get('location')).toContain('/authorize?')
    expect((await browser.post(`${server.url}/account/profile`, { name: 'No token' })).status).toBe(403)
    expect((await browser.post(`${server.url}/account/profile`, { csrf_token: csrf, name: 'Cross site' }, { origin: 'https://evil.example' })).status).toBe(403)
    expect((await server.store.users.get(alice.id))?.name).toBeNull()
  })
})

describe('AC-09 (b) revocation by the user', () => {
  it('AC-09 signing out one session ends only that one; "sign out everywhere" ends every session, prompt=none then needs a login', async () => {
    const alice = await newUser()
    const [a, b, c] = [await signIn(alice), await signIn(alice), await signIn(alice)]
    const bSid = (await server.store.records.listBySubject(LOGIN_SESSION, alice.id)).map((record) => record.value.sid)
    expect(bSid).toHaveLength(3)
    // From a, sign out b (its sid is the one a's page lists without the "this browser" badge and that b does not have as its own).
    const pageB = await openAccount(server.url, b, alice)
    const bOwn = /<li><span class="account">[^<]*<span class="badge">this browser<\/span>[\s\S]*?name="session" value="([^"]+)"/.exec(pageB)?.[1] ?? ''
    const revoked = await submitAccountForm(server.url, a, alice, '/account/sessions/revoke', {}, { session: bOwn })
    expect(revoked.headers.get('location')).toContain('notice=session-revoked')
    expect(await signedIn(server.url, b)).toBe(false)
    expect(await signedIn(server.url, a)).toBe(true)
    expect(await signedIn(server.url, c)).toBe(true)

    const tokens = await obtainTokens(server, { client: server.clients.conf, user: alice, scope: 'openid offline_access' }, new Browser())
    const everywhere = await submitAccountForm(server.url, a, alice, '/account/sessions/revoke-all', {})
    expect(everywhere.status).toBe(200)
    expect(await signedIn(server.url, a)).toBe(false)
    expect(await signedIn(server.url, c)).toBe(false)
    const silent = await c.get(authorizeUrl(server.url, { response_type: 'code', client_id: 'conf', redirect_uri: server.clients.conf.redirectUri, scope: 'openid', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', prompt: 'none' }))
    expect(new URL(silent.headers.get('location') ?? '').searchParams.get('error')).toBe('login_required')
    // Documented: signing out of the provider does not take back what apps were granted.
    expect((await refresh(tokens.refresh_token ?? '')).status).toBe(200)
  })
})
