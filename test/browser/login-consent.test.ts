import { randomUUID } from 'node:crypto'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { signInWithPassword, startBrowserHarness, type BrowserHarness } from '../helpers/browser-flow.js'
import { startTestServer } from '../helpers/tessera.js'

/**
 * A real Chromium signs in and consents through Tessera's own pages: what a user sees and clicks, including the
 * CSP `form-action` that Chromium applies to the redirect after the consent POST, which no HTTP-level test can
 * observe.
 */

const TEST_TIMEOUT = 30_000

let harness: BrowserHarness
let page: Page

beforeAll(async () => {
  // A client of our own, registered for the callback server's ephemeral port (port 5000 of the fixtures may be taken).
  harness = await startBrowserHarness(await startTestServer({ store: 'memory' }), {
    clientId: 'browser-notes',
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'email', 'offline_access', 'notes:read'],
  })
}, 60_000)

afterAll(async () => {
  await harness?.close()
}, 30_000)

beforeEach(async () => {
  // A fresh context per test: no session cookie carried from one test to the next.
  page = await harness.newPage({ width: 1024, height: 768 })
})

afterEach(async () => {
  await page?.context().close()
})

function openAuthorizationRequest(scope: string, extra: Record<string, string> = {}): Promise<{ state: string; verifier: string }> {
  return harness.authorize(page, scope, { nonce: `nonce-${randomUUID()}`, ...extra })
}

function signIn(username: string, password: string): Promise<void> {
  return signInWithPassword(page, username, password)
}

/** Waits until the browser lands on the client, and returns the request the client's server received. */
async function arriveAtClient(state: string): Promise<URL> {
  const { callback } = harness
  await page.waitForURL((url) => url.href.startsWith(callback.redirectUri))
  const arrived = callback.received.find((url) => url.searchParams.get('state') === state)
  if (!arrived) throw new Error(`the client received no callback for ${state}: ${callback.received.map(String).join(', ')}`)
  return arrived
}

describe('login and consent in Chromium', () => {
  it(
    'signs in, lists the scopes in plain words, and returns a code that the client can exchange',
    async () => {
      const { state, verifier } = await openAuthorizationRequest('openid profile email offline_access notes:read')
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in to continue to Notes')
      await page.screenshot({ path: '/tmp/tessera-login.png', fullPage: true })
      await signIn('alice', 'alice-password')

      await page.getByRole('button', { name: 'Allow' }).waitFor()
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Notes wants to access your account')
      expect(await page.getByText('Signed in as').textContent()).toContain('Alice Liddell')
      const listed = (await page.getByRole('listitem').allTextContents()).map((text) => text.trim())
      expect(listed).toEqual([
        'Confirm your identity (your account ID)',
        'See your name and profile picture',
        'See your email address',
        "Stay connected when you're not using the app",
        'Read your notes',
      ])
      await page.screenshot({ path: '/tmp/tessera-consent.png', fullPage: true })
      await page.getByRole('button', { name: 'Allow' }).click()

      const arrived = await arriveAtClient(state)
      const code = arrived.searchParams.get('code')
      expect(code).toBeTruthy()
      expect(arrived.searchParams.get('state')).toBe(state)
      // RFC 9207: the issuer identifies who answered, against mix-up attacks.
      expect(arrived.searchParams.get('iss')).toBe(harness.server.url)
      expect(arrived.searchParams.has('error')).toBe(false)

      const response = await harness.redeem(state, verifier)
      const body = (await response.json()) as Record<string, unknown>
      expect(response.status, JSON.stringify(body)).toBe(200)
      expect(body).toMatchObject({ token_type: 'Bearer', scope: 'openid profile email offline_access notes:read' })
      expect(body.access_token).toBeTypeOf('string')
      expect(body.id_token).toBeTypeOf('string')
      expect(body.refresh_token).toBeTypeOf('string')
    },
    TEST_TIMEOUT,
  )

  it(
    'keeps the user on the login page with an announced error after a wrong password',
    async () => {
      await openAuthorizationRequest('openid profile')
      const loginUrl = page.url()
      const callbacksBefore = harness.callback.received.length
      await signIn('bob', 'not-the-password')

      const alert = page.getByRole('alert')
      await alert.waitFor()
      expect(await alert.textContent()).toContain('The username or password is incorrect.')
      expect(new URL(page.url()).pathname).toBe(`${new URL(loginUrl).pathname}/login`)
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to continue to Notes')
      // The username is kept, the password is not, and both fields point at the message.
      expect(await page.getByLabel('Username').inputValue()).toBe('bob')
      expect(await page.getByLabel('Password').inputValue()).toBe('')
      expect(await page.getByLabel('Password').getAttribute('aria-describedby')).toBe(await alert.getAttribute('id'))
      expect(harness.callback.received.length).toBe(callbacksBefore)

      // The same page still works: the right password then gets through to consent.
      await signIn('bob', 'bob-password')
      await page.getByRole('button', { name: 'Allow' }).waitFor()
    },
    TEST_TIMEOUT,
  )

  it(
    'sends the user back with error=access_denied when they deny',
    async () => {
      // prompt=consent: alice may already have consented to these scopes in another test.
      const { state } = await openAuthorizationRequest('openid email', { prompt: 'consent' })
      await signIn('alice', 'alice-password')
      await page.getByRole('button', { name: 'Deny' }).click()

      const arrived = await arriveAtClient(state)
      expect(arrived.searchParams.get('error')).toBe('access_denied')
      expect(arrived.searchParams.get('state')).toBe(state)
      expect(arrived.searchParams.get('iss')).toBe(harness.server.url)
      expect(arrived.searchParams.has('code')).toBe(false)
    },
    TEST_TIMEOUT,
  )
})
