import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { accountSelfService } from '../../../src/server/account/index.js'
import { createUser } from '../../../src/server/admin.js'
import { ConfigError } from '../../../src/server/config.js'
import type { Capability } from '../../../src/server/context.js'
import type { MailMessage } from '../../../src/server/mail/mailer.js'
import { formFor, openAccount, signedIn, submitAccountForm } from '../../helpers/account.js'
import { Browser, parseForm } from '../../helpers/http-client.js'
import { decodeBase32 } from '../../../src/protocol/rfc6238/base32.js'
import { hotp, timeStep } from '../../../src/protocol/rfc6238/totp.js'
import { decodeJwt } from 'jose'
import { createAuthorizationServer } from '../../../src/server/create-server.js'
import { basic, Browser as ValuesBrowser, createHarness, csrfTokenOf, ISSUER, json, location, SECRET, text } from '../../helpers/server-values.js'
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js'
import { authorize, clientPost, exchangeCode, obtainTokens, startTestServer, type TestServer } from '../../helpers/tessera.js'

/** A capability of another feature adding its own section to the account page. */
const extraSection: Capability = {
  name: 'test-extra-section', spec: 'test',
  accountSections: [{ id: 'extra', order: 30, render: (_ctx, { user }) => ({ id: 'extra', title: `Extra for ${user.username}`, links: [{ href: '/account/extra', label: 'Set up' }] }) }],
}

describe('the account page over HTTP', () => {
  let server: TestServer
  let sink: SmtpSink

  beforeAll(async () => {
    sink = await startSmtpSink()
    server = await startTestServer({
      store: 'memory', accessTokenFormat: 'opaque',
      capabilities: [accountSelfService({ mail: { url: sink.url, from: 'Tessera <no-reply@example.test>' } }), extraSection],
    })
  })
  afterAll(async () => {
    await server?.close()
    await sink?.close()
  })

  it('sends a visitor through the login page and back, then shows the sections in order under the page CSP', async () => {
    const browser = new Browser()
    const first = await browser.get(`${server.url}/account`)
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).toContain('/authorize?')
    const page = await openAccount(server.url, browser, server.users.alice)
    const order = ['id="profile"', 'id="password"', 'id="extra"', 'id="apps"', 'id="sessions"'].map((id) => page.indexOf(id))
    expect(order.every((index) => index >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(page).toContain('Extra for alice')
    expect(page).not.toContain('<script')
    const response = await browser.get(`${server.url}/account`)
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(response.headers.get('x-frame-options')).toBe('DENY')
  })

  it('offers "Forgot password?" on the login page when mail is configured', async () => {
    const browser = new Browser()
    const login = await browser.get((await browser.get(`${server.url}/account`)).headers.get('location') ?? '')
    const interaction = await browser.get(new URL(login.headers.get('location') ?? '', server.url).href)
    expect(await interaction.text()).toContain(`href="${server.url}/account/password-reset"`)
  })

  it('disconnecting an app revokes its refresh and opaque access tokens', async () => {
    const tokens = await obtainTokens(server, { client: server.clients.conf, user: server.users.bob, scope: 'openid offline_access notes:read' })
    const browser = new Browser()
    const page = await openAccount(server.url, browser, server.users.bob)
    expect(page).toContain('Client conf')
    const form = formFor(page, '/account/apps/revoke', { client_id: 'conf' })
    expect((await browser.post(form.action, form.fields)).headers.get('location')).toContain('notice=app-revoked')
    const refreshed = await clientPost(server, '/token', server.clients.conf, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' })
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant')
    const introspected = await clientPost(server, '/introspect', server.clients.conf, { token: tokens.access_token })
    expect(((await introspected.json()) as { active: boolean }).active).toBe(false)
    const userinfo = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    expect(userinfo.status).toBe(401)
    expect(await server.store.consents.get(server.users.bob.id, 'conf')).toBeUndefined()
  })

  it('a password change needs the current password, keeps this browser signed in and ends the other sessions and grants', async () => {
    const user = { ...server.users.bob }
    const here = new Browser()
    const elsewhere = new Browser()
    await openAccount(server.url, here, user)
    await openAccount(server.url, elsewhere, user)
    const tokens = await obtainTokens(server, { client: server.clients.other, user, scope: 'openid offline_access' })
    const wrong = await submitAccountForm(server.url, here, user, '/account/password', { current_password: 'not-it', new_password: 'bob-new-password' })
    expect(wrong.headers.get('location')).toContain('error=wrong-password')
    const changed = await submitAccountForm(server.url, here, user, '/account/password', { current_password: user.password, new_password: 'bob-new-password' })
    expect(changed.headers.get('location')).toContain('notice=password')
    expect(await signedIn(server.url, here)).toBe(true)
    expect(await signedIn(server.url, elsewhere)).toBe(false)
    const refreshed = await clientPost(server, '/token', server.clients.other, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' })
    expect(refreshed.status).toBe(400)
    await openAccount(server.url, new Browser(), { username: user.username, password: 'bob-new-password' })
    // Put it back for the other tests.
    await submitAccountForm(server.url, here, { username: user.username, password: 'bob-new-password' }, '/account/password', { current_password: 'bob-new-password', new_password: user.password })
  })

  it('links to the two-step verification page, and a password change keeps a two-factor sign-in two-factor (amr, acr)', async () => {
    const user = { username: 'dora', password: 'dora-password' }
    await createUser(server.store, user, Math.floor(Date.now() / 1000))
    const first = new Browser()
    const page = await openAccount(server.url, first, user)
    expect(page).toContain(`href="${server.url}/account/two-factor"`)
    const settings = await (await first.get(`${server.url}/account/two-factor`)).text()
    const key = decodeBase32(/data-secret="([A-Z2-7]+)"/.exec(settings)?.[1] ?? '') ?? new Uint8Array()
    // Codes of distinct time steps (each is accepted once), all within the server's ±1 window.
    const steps = [1, 0, -1].map((offset) => hotp(key, timeStep(Math.floor(Date.now() / 1000)) + offset))
    const enrol = parseForm(settings)
    expect((await first.post(enrol.action, { ...enrol.fields, code: steps[0] ?? '' })).status).toBe(200)

    // A new sign-in with both factors, then consent for `conf` so that prompt=none can answer later.
    const here = new Browser()
    let response = await here.get(`${server.url}/account`)
    for (let step = 0; step < 8 && response.status === 303; step++) {
      const next = new URL(response.headers.get('location') ?? '', server.url)
      if (!next.pathname.startsWith('/interaction/')) {
        response = await here.get(next.href)
        continue
      }
      const form = parseForm(await (await here.get(next.href)).text())
      response = await here.post(form.action, { ...form.fields, ...(form.action.endsWith('/login') ? user : { code: steps[1] ?? '' }) })
    }
    expect(response.status).toBe(200)
    await authorize(server, here, { client: server.clients.conf, user: { ...user, id: '' } })

    const changed = await submitAccountForm(server.url, here, user, '/account/password', { current_password: user.password, new_password: 'dora-new-password' })
    expect(changed.headers.get('location')).toContain('notice=password')
    // The fresh session is still a two-factor one: a silent request for that level gets a code at once.
    const silent = await authorize(server, here, { client: server.clients.conf, extra: { prompt: 'none', acr_values: 'urn:tessera:mfa' } })
    expect(silent.params.get('error')).toBeNull()
    const tokens = (await (await exchangeCode(server, server.clients.conf, silent)).json()) as { id_token: string }
    expect(decodeJwt(tokens.id_token)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: 'urn:tessera:mfa' })
  })

  it('the profile form changes the name fields of the session user', async () => {
    const browser = new Browser()
    await authorize(server, browser, { client: server.clients.firstParty, scope: 'openid' })
    const saved = await submitAccountForm(server.url, browser, server.users.alice, '/account/profile', { name: 'Alice P. Liddell', given_name: '', family_name: 'Liddell' })
    expect(saved.headers.get('location')).toContain('notice=profile')
    expect(await server.store.users.get(server.users.alice.id)).toMatchObject({ name: 'Alice P. Liddell', given_name: null, family_name: 'Liddell' })
  })
})

describe('the account capability with a fixed clock', () => {
  it('AC-01 T4: a reset link expires after its lifetime (30 minutes by default)', async () => {
    const sent: MailMessage[] = []
    const harness = await createHarness({ capabilities: [accountSelfService({ mail: { send: (message) => { sent.push(message); return Promise.resolve() } } })] })
    const browser = harness.browser()
    const form = await browser.get('/account/password-reset')
    await browser.post('/account/password-reset', { csrf_token: csrfTokenOf(form), email: 'alice@example.com' })
    await vi.waitFor(() => expect(sent).toHaveLength(1))
    const link = /http\S+\/confirm\?token=[\w-]+/.exec(sent[0]?.text ?? '')?.[0] ?? ''
    expect(sent[0]?.html).toContain('<a href=')
    harness.clock.now += 1799
    expect((await browser.get(link)).status).toBe(200)
    harness.clock.now += 1
    const expired = await browser.get(link)
    expect(expired.status).toBe(400)
    expect(text(expired)).toContain('not valid any more')
  })

  it('mails one address at most five reset links an hour, whatever the public form is sent', async () => {
    const sent: MailMessage[] = []
    const harness = await createHarness({ capabilities: [accountSelfService({ mail: { send: (message) => { sent.push(message); return Promise.resolve() } } })] })
    await createUser(harness.store, { username: 'zoe', password: 'zoe-password', email: 'zoe@example.com', emailVerified: true }, harness.clock.now)
    const browser = harness.browser()
    const csrf = csrfTokenOf(await browser.get('/account/password-reset'))
    for (let attempt = 0; attempt < 7; attempt++) {
      expect((await browser.post('/account/password-reset', { csrf_token: csrf, email: 'alice@example.com' })).status).toBe(200)
    }
    await browser.post('/account/password-reset', { csrf_token: csrf, email: 'zoe@example.com' })
    await vi.waitFor(() => expect(sent.some((message) => message.to === 'zoe@example.com')).toBe(true))
    await vi.waitFor(() => expect(sent.filter((message) => message.to === 'alice@example.com')).toHaveLength(5))
    harness.clock.now += 3600
    await browser.post('/account/password-reset', { csrf_token: csrf, email: 'alice@example.com' })
    await vi.waitFor(() => expect(sent.filter((message) => message.to === 'alice@example.com')).toHaveLength(6))
  })

  it('the sign-in callback spends only its own codes: an app\'s code sent there still works for the app', async () => {
    const harness = await createHarness({ capabilities: [accountSelfService()] })
    const issued = await harness.authorizationCode()
    const callback = await harness.send('GET', `/account/callback?code=${issued.code}`)
    expect(callback.headers.get('location')).toBe('http://127.0.0.1:4000/account')
    expect((await harness.exchange(issued)).status).toBe(200)
  })

  it('AC-09 what the user revoked stays revoked on a restarted server over the same store', async () => {
    const capabilities = [accountSelfService()]
    const harness = await createHarness({ capabilities })
    const tokens = await harness.tokens({ scope: 'openid offline_access' })
    const browser = harness.browser()
    const signIn = await browser.get('/account')
    let next = location(signIn)
    for (let step = 0; step < 6 && !next.pathname.startsWith('/interaction/'); step++) next = location(await browser.get(next))
    let answer = await browser.logIn(next)
    while (answer.status === 303 && !location(answer).pathname.endsWith('/account')) answer = await browser.get(location(answer))
    const page = await browser.get('/account')
    expect(page.status).toBe(200)
    const appsForm = formFor(text(page), '/account/apps/revoke', { client_id: 'app' })
    expect((await browser.post(appsForm.action, appsForm.fields)).status).toBe(303)
    const signInCookies = new Map(browser.cookies)
    const everywhere = formFor(text(await browser.get('/account')), '/account/sessions/revoke-all')
    expect((await browser.post(everywhere.action, everywhere.fields)).status).toBe(200)

    const restarted = await createAuthorizationServer({ issuer: ISSUER, secret: SECRET, store: harness.store, now: () => harness.clock.now, capabilities })
    // The cookie of the signed-out session, kept by a copy of the browser, opens nothing.
    const stale = new ValuesBrowser(restarted)
    for (const [name, value] of signInCookies) stale.cookies.set(name, value)
    expect(location(await stale.get('/account')).pathname).toBe('/authorize')
    const refreshed = await restarted.handle({ method: 'POST', url: new URL('/token', ISSUER), headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded', authorization: basic('app', 'app-secret') }), body: new TextEncoder().encode(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' }).toString()), remoteAddress: '127.0.0.1' })
    expect(json(refreshed).error).toBe('invalid_grant')
  })

  it('without mail: no reset, no registration, and the login page offers neither', async () => {
    const harness = await createHarness({ capabilities: [accountSelfService()] })
    expect((await harness.send('GET', '/account/password-reset')).status).toBe(404)
    expect((await harness.send('GET', '/account/register')).status).toBe(404)
    const browser = harness.browser()
    const interaction = location(await browser.get(`/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'app', redirect_uri: 'http://127.0.0.1:5000/cb', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString()}`))
    expect(text(await browser.get(interaction))).not.toContain('Forgot password?')
  })

  it('refuses settings that would weaken it, naming the field', () => {
    expect(() => accountSelfService({ resetLinkLifetime: 3601, mail: { send: () => Promise.resolve() } })).toThrow(ConfigError)
    expect(() => accountSelfService({ resetLinkLifetime: 3601 })).toThrow(/account\.resetLinkLifetime/)
    expect(() => accountSelfService({ registration: true })).toThrow(/account\.registration/)
    expect(() => accountSelfService({ mail: { url: 'http://mail.example', from: 'x@example.test' } })).toThrow(/mail\.url/)
  })
})
