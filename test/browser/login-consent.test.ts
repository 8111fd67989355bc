import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { launchChromium } from '../helpers/chromium.js'
import { newPkce } from '../helpers/pkce.js'
import { authorizeUrl, basicAuth, startTestServer, type TestClient, type TestServer } from '../helpers/tessera.js'

/**
 * A real Chromium signs in and consents through Tessera's own pages: what a user sees and clicks, including the
 * CSP `form-action` that Chromium applies to the redirect after the consent POST, which no HTTP-level test can
 * observe.
 */

const TEST_TIMEOUT = 30_000
const STEP_TIMEOUT = 10_000

/** The client's redirect target: a loopback server on an ephemeral port that records what it receives. */
interface CallbackServer {
  redirectUri: string
  received: URL[]
  close(): Promise<void>
}

async function startCallbackServer(): Promise<CallbackServer> {
  const received: URL[] = []
  const http: Server = createServer((request, response) => {
    const { port } = http.address() as AddressInfo
    received.push(new URL(request.url ?? '/', `http://127.0.0.1:${port}`))
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Back at the client.')
  })
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = http.address() as AddressInfo
  return {
    redirectUri: `http://127.0.0.1:${port}/cb`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.closeAllConnections()
        http.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

let server: TestServer
let callback: CallbackServer
let notes: TestClient
let chromium: Browser
let context: BrowserContext
let page: Page

beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
  callback = await startCallbackServer()
  // A client of our own, registered for the callback server's ephemeral port (port 5000 of the fixtures may be taken).
  const { clientSecret } = await createClient(
    server.store,
    {
      name: 'Notes',
      clientId: 'browser-notes',
      authMethod: 'client_secret_basic',
      redirectUris: [callback.redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email', 'offline_access', 'notes:read'],
    },
    Math.floor(Date.now() / 1000),
  )
  notes = { id: 'browser-notes', secret: clientSecret, method: 'client_secret_basic', redirectUri: callback.redirectUri }
  chromium = await launchChromium()
}, 60_000)

afterAll(async () => {
  await chromium?.close()
  await callback?.close()
  await server?.close()
}, 30_000)

beforeEach(async () => {
  // A fresh context per test: no session cookie carried from one test to the next.
  context = await chromium.newContext({ viewport: { width: 1024, height: 768 } })
  context.setDefaultTimeout(STEP_TIMEOUT)
  page = await context.newPage()
})

afterEach(async () => {
  await context?.close()
})

interface StartedRequest {
  state: string
  verifier: string
}

async function openAuthorizationRequest(scope: string, extra: Record<string, string> = {}): Promise<StartedRequest> {
  const { verifier, challenge } = newPkce()
  const state = randomBytes(12).toString('base64url')
  await page.goto(
    authorizeUrl(server.url, {
      response_type: 'code',
      client_id: notes.id,
      redirect_uri: notes.redirectUri,
      scope,
      state,
      nonce: `nonce-${state}`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    }),
  )
  return { state, verifier }
}

async function signIn(username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

/** Waits until the browser lands on the client, and returns the request the client's server received. */
async function arriveAtClient(state: string): Promise<URL> {
  await page.waitForURL((url) => url.href.startsWith(notes.redirectUri))
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
      expect(arrived.searchParams.get('iss')).toBe(server.url)
      expect(arrived.searchParams.has('error')).toBe(false)

      const response = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { authorization: basicAuth(notes), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: code ?? '', redirect_uri: notes.redirectUri, code_verifier: verifier }),
      })
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
      const callbacksBefore = callback.received.length
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
      expect(callback.received.length).toBe(callbacksBefore)

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
      expect(arrived.searchParams.get('iss')).toBe(server.url)
      expect(arrived.searchParams.has('code')).toBe(false)
    },
    TEST_TIMEOUT,
  )
})
