/**
 * RP-Initiated Logout 1.0: ends the provider session; without a valid `id_token_hint` for the current user
 * the user confirms first (a CSRF-protected form), so a third-party page cannot log users out; the
 * post-logout redirect URI must be registered for the client, exactly.
 */
import { describe, expect, it } from 'vitest'
import type { OAuthResponse } from '../../../src/http/types.js'
import { newPkce } from '../../helpers/pkce.js'
import { authorizationQuery, createHarness, csrfTokenOf, ISSUER, json, location, LOGGED_OUT_URI, text, type Browser, type Harness } from '../../helpers/server-values.js'

const SIGNED_OUT = 'You have been signed out'
const CONFIRM = 'Sign out?'

/** A browser logged in as `user` (with consent for `app`) and the ID token the app received. */
async function signedIn(harness: Harness, user?: { username: string; password: string }): Promise<{ browser: Browser; idToken: string }> {
  const issued = await harness.authorizationCode(user ? { user } : {})
  const idToken = String(json(await harness.exchange(issued)).id_token)
  return { browser: issued.browser, idToken }
}

/** Whether the browser's provider session still answers `prompt=none` with a code. */
async function stillLoggedIn(browser: Browser): Promise<boolean> {
  const target = location(await browser.get(authorizationQuery('app', newPkce().challenge, 'openid', { prompt: 'none' })))
  return target.searchParams.has('code')
}

function expectPage(response: OAuthResponse, status: number, content: string): void {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
  expect(text(response)).toContain(content)
}

const logout = (params: Record<string, string>) => `/logout?${new URLSearchParams(params).toString()}`

describe('logout endpoint', () => {
  it('shows the signed-out page and clears the cookie when there is no session', async () => {
    const harness = await createHarness()
    const response = await harness.send('GET', '/logout')
    expectPage(response, 200, SIGNED_OUT)
    expect(response.headers.getSetCookie()).toEqual(['tessera-session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0'])
  })

  it('asks the user to confirm when there is no id_token_hint, and keeps the session until then', async () => {
    const harness = await createHarness()
    const { browser } = await signedIn(harness)
    const page = await browser.get(`${ISSUER}/logout`)
    expectPage(page, 200, CONFIRM)
    expect(text(page)).toContain(`action="${ISSUER}/logout"`)
    expect(text(page)).toContain('name="confirm" value="yes"')
    expect(await stillLoggedIn(browser)).toBe(true)

    const confirmed = await browser.post(`${ISSUER}/logout`, { confirm: 'yes', csrf_token: csrfTokenOf(page) })
    expectPage(confirmed, 200, SIGNED_OUT)
    expect(await stillLoggedIn(browser)).toBe(false)
  })

  it('refuses a confirmation without the right CSRF token or from another origin, and keeps the session', async () => {
    const harness = await createHarness()
    const { browser } = await signedIn(harness)
    const csrf = csrfTokenOf(await browser.get(`${ISSUER}/logout`))
    expectPage(await browser.post(`${ISSUER}/logout`, { confirm: 'yes' }), 403, 'The form could not be verified.')
    expectPage(await browser.post(`${ISSUER}/logout`, { confirm: 'yes', csrf_token: 'forged' }), 403, 'The form could not be verified.')
    expectPage(await browser.post(`${ISSUER}/logout`, { confirm: 'yes', csrf_token: csrf }, { origin: 'https://evil.example' }), 403, 'The form could not be verified.')
    expect(await stillLoggedIn(browser)).toBe(true)
  })

  it('logs out at once for an id_token_hint of the current user, redirecting to the registered URI with state', async () => {
    const harness = await createHarness()
    const { browser, idToken } = await signedIn(harness)
    const response = await browser.get(`${ISSUER}${logout({ id_token_hint: idToken, post_logout_redirect_uri: LOGGED_OUT_URI, state: 'bye' })}`)
    expect(location(response).href).toBe(`${LOGGED_OUT_URI}?state=bye`)
    expect(response.headers.getSetCookie()).toContain('tessera-session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0')
    expect(await stillLoggedIn(browser)).toBe(false)
  })

  it('asks for confirmation when the hint names another user than the one logged in', async () => {
    const harness = await createHarness()
    const { idToken: alicesToken } = await signedIn(harness)
    const { browser } = await signedIn(harness, { username: 'bob', password: 'bob-password' })
    expectPage(await browser.get(`${ISSUER}${logout({ id_token_hint: alicesToken })}`), 200, CONFIRM)
    expect(await stillLoggedIn(browser)).toBe(true)
  })

  it('refuses a post-logout redirect URI the client did not register, with an error page', async () => {
    const harness = await createHarness()
    const { browser, idToken } = await signedIn(harness)
    const cases: Record<string, string>[] = [
      { id_token_hint: idToken, post_logout_redirect_uri: 'https://evil.example/' },
      { client_id: 'app', post_logout_redirect_uri: `${LOGGED_OUT_URI}/` },
      // Without a client there is nothing to match the URI against.
      { post_logout_redirect_uri: LOGGED_OUT_URI },
    ]
    for (const params of cases) {
      const response = await browser.get(`${ISSUER}${logout(params)}`)
      expectPage(response, 400, 'post_logout_redirect_uri is not registered for this client')
      expect(response.headers.get('location')).toBeNull()
    }
    expect(await stillLoggedIn(browser)).toBe(true)
  })

  it('refuses an id_token_hint it did not sign, and a client_id that contradicts the hint', async () => {
    const harness = await createHarness()
    const { browser, idToken } = await signedIn(harness)
    const [header, payload] = idToken.split('.')
    expectPage(await browser.get(`${ISSUER}${logout({ id_token_hint: `${header}.${payload}.AAAA` })}`), 400, 'The id_token_hint is not valid')
    expectPage(await browser.get(`${ISSUER}${logout({ id_token_hint: idToken, client_id: 'other' })}`), 400, 'client_id does not match the id_token_hint')
    expect(await stillLoggedIn(browser)).toBe(true)
  })

  it('accepts an expired id_token_hint (RP-Initiated Logout §2)', async () => {
    const harness = await createHarness()
    const { browser, idToken } = await signedIn(harness)
    harness.clock.now += 3600 + 60
    // The session is idle for less than a day, so it still exists; the expired hint still names its user.
    const response = await browser.get(`${ISSUER}${logout({ id_token_hint: idToken })}`)
    expectPage(response, 200, SIGNED_OUT)
  })

  it('answers other methods with 405 and Allow, as every endpoint does (RFC 9110 §15.5.6)', async () => {
    const harness = await createHarness()
    const response = await harness.send('PUT', '/logout')
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET, POST')
  })
})
