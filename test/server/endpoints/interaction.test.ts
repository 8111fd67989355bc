/**
 * The login and consent hand-off (/interaction/{id}): bound to the browser that started it, forms
 * protected by the interaction's CSRF token and the Origin check (RFC 6749 §10.12), expiring, and
 * completed once.
 */
import { describe, expect, it } from 'vitest'
import type { OAuthResponse } from '../../../src/http/types.js'
import { newPkce } from '../../helpers/pkce.js'
import { ALICE, authorizationQuery, createHarness, csrfTokenOf, ISSUER, location, REDIRECT_URI, START, text, type Browser, type Harness } from '../../helpers/server-values.js'

const EXPIRED = 'This sign-in page has expired. Go back to the application and try again.'
const UNVERIFIED = 'The form could not be verified. Go back to the application and try again.'

/** A browser at the start of an interaction for `app`, and the interaction's URL. */
async function started(harness: Harness): Promise<{ browser: Browser; interaction: URL }> {
  const browser = harness.browser()
  const interaction = location(await browser.get(authorizationQuery('app', newPkce().challenge)))
  return { browser, interaction }
}

function expectPage(response: OAuthResponse, status: number, message: string): void {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
  expect(text(response)).toContain(message)
}

describe('interaction endpoint', () => {
  it('shows the login form with its CSRF token, the client name and the style nonce of its CSP', async () => {
    const harness = await createHarness()
    const { browser, interaction } = await started(harness)
    const page = await browser.get(interaction)
    expect(page.status).toBe(200)
    expect(text(page)).toContain(`action="${interaction.href}/login"`)
    expect(text(page)).toContain('Client app')
    expect(csrfTokenOf(page)).toMatch(/^[A-Za-z0-9_-]{32}$/)
    const nonce = /style-src 'nonce-([^']+)'/.exec(page.headers.get('content-security-policy') ?? '')?.[1]
    expect(text(page)).toContain(`nonce="${nonce}"`)
    // The login POST may redirect straight to the client (consent already given, or skipped): Chromium checks
    // that redirect against form-action, so the client's redirect origin is allowed beside 'self'.
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self' http://127.0.0.1:5000;")
    expect(page.headers.get('cache-control')).toBe('no-store')
    expect(page.headers.get('x-frame-options')).toBe('DENY')
  })

  it('shows another browser the expired page: the interaction is bound to the browser that started it', async () => {
    const harness = await createHarness()
    const { interaction } = await started(harness)
    expectPage(await harness.browser().get(interaction), 400, EXPIRED)
    const page = await harness.send('GET', interaction.pathname, { headers: { cookie: 'tessera-browser=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })
    expectPage(page, 400, EXPIRED)
  })

  it('expires with lifetimes.interaction', async () => {
    const harness = await createHarness()
    const { browser, interaction } = await started(harness)
    const page = await browser.get(interaction)
    harness.clock.now = START + 600
    expectPage(await browser.get(interaction), 400, EXPIRED)
    expectPage(await browser.post(`${interaction.href}/login`, { csrf_token: csrfTokenOf(page), ...ALICE }), 400, EXPIRED)
  })

  describe('login form', () => {
    it('refuses a post without the CSRF token, with a wrong one or from another origin: 403', async () => {
      const harness = await createHarness()
      const { browser, interaction } = await started(harness)
      const csrf = csrfTokenOf(await browser.get(interaction))
      const url = `${interaction.href}/login`
      expectPage(await browser.post(url, { ...ALICE }), 403, UNVERIFIED)
      expectPage(await browser.post(url, { ...ALICE, csrf_token: `${csrf.slice(1)}x` }), 403, UNVERIFIED)
      expectPage(await browser.post(url, { ...ALICE, csrf_token: csrf }, { origin: 'https://evil.example' }), 403, UNVERIFIED)
      // Nothing was logged in by the refused posts.
      expect([...browser.cookies.keys()]).toEqual(['tessera-browser'])
      // The same-origin post with the token goes through.
      const accepted = await browser.post(url, { ...ALICE, csrf_token: csrf }, { origin: ISSUER })
      expect(location(accepted).href).toBe(interaction.href)
    })

    it('answers a wrong password and an unknown user with the same 400 page, and audits why', async () => {
      const harness = await createHarness()
      const { browser, interaction } = await started(harness)
      const csrf = csrfTokenOf(await browser.get(interaction))
      const wrong = await browser.post(`${interaction.href}/login`, { csrf_token: csrf, username: 'alice', password: 'not-her-password' })
      const unknown = await browser.post(`${interaction.href}/login`, { csrf_token: csrf, username: 'mallory', password: 'any-password' })
      for (const response of [wrong, unknown]) expectPage(response, 400, 'The username or password is incorrect.')
      await harness.server.audit.flush()
      const failures = await harness.store.audit.list({ type: 'login.failed', limit: 10 })
      expect(failures.map((record) => [record.subject, record.details.username, record.details.reason])).toEqual([
        [null, 'mallory', 'unknown_user'],
        [harness.alice.id, 'alice', 'wrong_password'],
      ])
      expect(JSON.stringify(failures)).not.toContain('not-her-password')
    })

    it('asks again for a missing username or password', async () => {
      const harness = await createHarness()
      const { browser, interaction } = await started(harness)
      const csrf = csrfTokenOf(await browser.get(interaction))
      expectPage(await browser.post(`${interaction.href}/login`, { csrf_token: csrf, username: 'alice' }), 400, 'Enter your username and password.')
    })

    it('locks a username after repeated failures with 429 and Retry-After', async () => {
      const harness = await createHarness({ loginThrottle: { delayAfter: 10, lockAfter: 2, lockSeconds: 120 } })
      const { browser, interaction } = await started(harness)
      const csrf = csrfTokenOf(await browser.get(interaction))
      for (let n = 0; n < 2; n++) await browser.post(`${interaction.href}/login`, { csrf_token: csrf, username: 'alice', password: 'wrong-password' })
      const locked = await browser.post(`${interaction.href}/login`, { csrf_token: csrf, ...ALICE })
      expectPage(locked, 429, 'Too many failed attempts. Try again in 2 minutes.')
      expect(locked.headers.get('retry-after')).toBe('120')
    })

    it('starts a session and goes on to consent', async () => {
      const harness = await createHarness()
      const { browser, interaction } = await started(harness)
      const response = await browser.logIn(interaction)
      expect(location(response).href).toBe(interaction.href)
      expect(response.headers.getSetCookie()).toEqual([expect.stringMatching(/^tessera-session=[\w-]{43}\.[0-9a-z]+\.[\w-]{22}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=86400$/)])
      const consent = await browser.get(interaction)
      expect(consent.status).toBe(200)
      expect(text(consent)).toContain(`action="${interaction.href}/consent"`)
      expect(consent.headers.get('content-security-policy')).toContain('form-action \'self\' http://127.0.0.1:5000')
    })
  })

  describe('consent form', () => {
    it('redirects a denial to the client as access_denied with state and iss, and audits it', async () => {
      const harness = await createHarness()
      const { browser, interaction } = await started(harness)
      await browser.logIn(interaction)
      const target = location(await browser.consent(interaction, 'deny'))
      expect(`${target.origin}${target.pathname}`).toBe(REDIRECT_URI)
      expect(Object.fromEntries(target.searchParams)).toEqual({ error: 'access_denied', error_description: 'The user denied the request', state: 'state-1', iss: ISSUER })
      await harness.server.audit.flush()
      expect(await harness.store.audit.list({ type: 'consent.denied', limit: 10 })).toMatchObject([{ subject: harness.alice.id, client_id: 'app' }])
      expect(await harness.store.consents.get(harness.alice.id, 'app')).toBeUndefined()
    })

    it('stores the consent and issues one code: a second submit finds the interaction used', async () => {
      const harness = await createHarness()
      const { browser, interaction } = await started(harness)
      await browser.logIn(interaction)
      const csrf = csrfTokenOf(await browser.get(interaction))
      const first = location(await browser.post(`${interaction.href}/consent`, { csrf_token: csrf, decision: 'allow' }))
      expect(first.searchParams.get('code')).toMatch(/^[\w-]{43}$/)
      expect(await harness.store.consents.get(harness.alice.id, 'app')).toMatchObject({ scopes: ['openid', 'offline_access', 'notes:read'] })
      expectPage(await browser.post(`${interaction.href}/consent`, { csrf_token: csrf, decision: 'allow' }), 400, EXPIRED)
    })

    it('refuses a decision other than allow or deny', async () => {
      const harness = await createHarness()
      const { browser, interaction } = await started(harness)
      await browser.logIn(interaction)
      const csrf = csrfTokenOf(await browser.get(interaction))
      expectPage(await browser.post(`${interaction.href}/consent`, { csrf_token: csrf, decision: 'maybe' }), 400, 'Choose Allow or Deny.')
    })

    it('refuses a post without the CSRF token with 403', async () => {
      const harness = await createHarness()
      const { browser, interaction } = await started(harness)
      await browser.logIn(interaction)
      expectPage(await browser.post(`${interaction.href}/consent`, { decision: 'allow' }), 403, UNVERIFIED)
    })

    it('needs the live session of the user who logged in, not only the interaction', async () => {
      const harness = await createHarness()
      const { browser, interaction } = await started(harness)
      await browser.logIn(interaction)
      const csrf = csrfTokenOf(await browser.get(interaction))
      browser.cookies.delete('tessera-session')
      expectPage(await browser.post(`${interaction.href}/consent`, { csrf_token: csrf, decision: 'allow' }), 400, EXPIRED)
    })

    it('is not reachable before login', async () => {
      const harness = await createHarness()
      const { browser, interaction } = await started(harness)
      const csrf = csrfTokenOf(await browser.get(interaction))
      expectPage(await browser.post(`${interaction.href}/consent`, { csrf_token: csrf, decision: 'allow' }), 400, EXPIRED)
    })
  })

  it('routes only the three interaction paths, each with its method', async () => {
    const harness = await createHarness()
    const { browser, interaction } = await started(harness)
    const post = await browser.post(interaction, {})
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET')
    expect((await browser.get(`${interaction.href}/login`)).headers.get('allow')).toBe('POST')
    expect((await browser.get(`${ISSUER}/interaction/not*valid`)).status).toBe(404)
    expect((await browser.get(`${ISSUER}/interaction`)).status).toBe(404)
  })
})
