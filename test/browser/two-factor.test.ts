import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeJwt } from 'jose'
import { createClient } from '../../src/server/admin.js'
import { decodeBase32 } from '../../src/protocol/rfc6238/base32.js'
import { hotp, timeStep } from '../../src/protocol/rfc6238/totp.js'
import { launchChromium } from '../helpers/chromium.js'
import { newPkce } from '../helpers/pkce.js'
import { authorizeUrl, basicAuth, startTestServer, type TestClient, type TestServer } from '../helpers/tessera.js'

/**
 * Issue 17's "enrol TOTP and pass the second step" in a real Chromium: the account page's QR code and key
 * under the strict CSP, the code computed from the key read off the page (src/protocol/rfc6238/), and the
 * login's second step through to the client.
 */

const TEST_TIMEOUT = 45_000

let server: TestServer
let chromium: Browser
let http: Server
let redirectUri = ''
let notes: TestClient
const received: URL[] = []
const cspViolations: string[] = []

beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
  http = createServer((request, response) => {
    received.push(new URL(request.url ?? '/', redirectUri))
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Back at the client.')
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()))
  redirectUri = `http://127.0.0.1:${(http.address() as AddressInfo).port}/cb`
  const { clientSecret } = await createClient(server.store, {
    name: 'Notes', clientId: 'browser-2fa', authMethod: 'client_secret_basic', redirectUris: [redirectUri],
    grantTypes: ['authorization_code'], scopes: ['openid', 'profile'], skipConsent: true,
  }, Math.floor(Date.now() / 1000))
  notes = { id: 'browser-2fa', secret: clientSecret, method: 'client_secret_basic', redirectUri }
  chromium = await launchChromium()
}, 60_000)

afterAll(async () => {
  await chromium?.close()
  http?.closeAllConnections()
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()))
  await server?.close()
}, 30_000)

async function newPage(): Promise<Page> {
  const context = await chromium.newContext({ viewport: { width: 390, height: 844 } })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
  })
  return page
}

async function startSignIn(page: Page): Promise<{ state: string; verifier: string }> {
  const { verifier, challenge } = newPkce()
  const state = randomBytes(12).toString('base64url')
  await page.goto(authorizeUrl(server.url, {
    response_type: 'code', client_id: notes.id, redirect_uri: redirectUri, scope: 'openid profile', state,
    code_challenge: challenge, code_challenge_method: 'S256',
  }))
  await page.getByLabel('Username').fill('alice')
  await page.getByLabel('Password').fill('alice-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  return { state, verifier }
}

describe('TOTP in Chromium', () => {
  it('enrols at the account page from the QR page, then passes the second step at sign-in', async () => {
    const usedSteps = new Set<number>()
    const code = (key: Uint8Array): string => {
      const now = timeStep(Math.floor(Date.now() / 1000))
      const step = [now + 1, now].find((candidate) => !usedSteps.has(candidate)) ?? now - 1
      usedSteps.add(step)
      return hotp(key, step)
    }

    // Signed in with the password alone, the user turns two-factor authentication on.
    const first = await newPage()
    await startSignIn(first)
    await first.waitForURL((url) => url.href.startsWith(redirectUri))
    await first.goto(`${server.url}/account/two-factor`)
    expect(await first.locator('svg.qr').isVisible()).toBe(true)
    const secret = (await first.locator('#totp-secret').getAttribute('data-secret')) ?? ''
    const key = decodeBase32(secret) ?? new Uint8Array()
    expect(key.length).toBe(20)
    await first.getByLabel('Code from the app').fill(code(key))
    await first.getByRole('button', { name: 'Turn on' }).click()
    await first.locator('#recovery-codes').waitFor()
    expect(await first.locator('#recovery-codes li').count()).toBe(10)
    expect(await first.getByRole('status').textContent()).toContain('Two-factor authentication is on.')

    // In a fresh browser the password is no longer enough.
    const second = await newPage()
    const { state, verifier } = await startSignIn(second)
    await second.getByRole('heading', { name: 'Two-factor authentication' }).waitFor()
    expect(received.some((url) => url.searchParams.get('state') === state)).toBe(false)
    await second.getByLabel('Authentication code').fill(code(key))
    await second.getByRole('button', { name: 'Verify' }).click()
    await second.waitForURL((url) => url.href.startsWith(redirectUri))
    const arrived = received.find((url) => url.searchParams.get('state') === state)
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(notes), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: arrived?.searchParams.get('code') ?? '', redirect_uri: redirectUri, code_verifier: verifier }),
    })
    const body = (await response.json()) as { id_token: string }
    expect(response.status).toBe(200)
    expect(decodeJwt(body.id_token)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: 'urn:tessera:mfa' })
    expect(cspViolations).toEqual([])
  }, TEST_TIMEOUT)
})
