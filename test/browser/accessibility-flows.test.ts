import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { accountSelfService } from '../../src/server/account/index.js'
import { createClient, createUser } from '../../src/server/admin.js'
import { federation } from '../../src/server/federation/index.js'
import { passkeys } from '../../src/server/passkeys/index.js'
import { decodeBase32 } from '../../src/protocol/rfc6238/base32.js'
import { hotp, timeStep } from '../../src/protocol/rfc6238/totp.js'
import { axeViolations } from '../helpers/axe.js'
import { launchChromium } from '../helpers/chromium.js'
import { newPkce } from '../helpers/pkce.js'
import { authorizeUrl, startTestServer, type TestServer } from '../helpers/tessera.js'
import { startUpstream, type Upstream } from '../server/federation/upstream-harness.js'

/**
 * axe-core on the pages real flows reach, as the server renders them with real data (test/browser/
 * accessibility.test.ts checks the gallery's fixed views): the login page with its passkey and upstream
 * buttons, the second step, consent, the account page with every section, the two-factor pages (QR code,
 * recovery codes), the passkey settings and the error page — in English and in German. No serious or
 * critical violation (WCAG 2.2 A/AA rules), under each page's own CSP (axe is injected through DevTools).
 */

const TEST_TIMEOUT = 120_000

let server: TestServer
let upstream: Upstream
let chromium: Browser
let http: Server
let redirectUri = ''

beforeAll(async () => {
  upstream = await startUpstream('corp')
  server = await startTestServer({
    store: 'memory',
    development: { allowLoopbackFetch: true },
    capabilities: [
      accountSelfService({}), passkeys({}),
      federation({ upstreams: [{ id: 'corp', issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, label: 'Corp' }] }),
    ],
  })
  http = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Back at the client.'))
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()))
  redirectUri = `http://127.0.0.1:${(http.address() as AddressInfo).port}/cb`
  await createClient(server.store, {
    name: 'Notes', clientId: 'a11y-notes', authMethod: 'client_secret_basic', redirectUris: [redirectUri],
    grantTypes: ['authorization_code'], scopes: ['openid', 'profile', 'email'],
  }, Math.floor(Date.now() / 1000))
  chromium = await launchChromium()
}, 60_000)

afterAll(async () => {
  await chromium?.close()
  http?.closeAllConnections()
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()))
  await server?.close()
  await upstream?.close()
}, 30_000)

/** The serious and critical violations of the page showing now, named after `name`. */
async function check(page: Page, name: string, found: string[], visited: string[]): Promise<void> {
  visited.push(name)
  for (const violation of await axeViolations(page)) {
    if (violation.impact === 'serious' || violation.impact === 'critical') {
      found.push(`${name}: ${violation.id} (${violation.impact}) ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)
    }
  }
}

/** Submits the form holding `field` (the password form, not the passkey or upstream buttons beside it). */
async function submitFormWith(page: Page, field: string): Promise<void> {
  await page.locator(`form:has([name="${field}"]) button[type="submit"]`).first().click()
}

function authorize(page: Page): Promise<unknown> {
  const { challenge } = newPkce()
  return page.goto(authorizeUrl(server.url, {
    response_type: 'code', client_id: 'a11y-notes', redirect_uri: redirectUri, scope: 'openid profile email', state: 'a11y',
    code_challenge: challenge, code_challenge_method: 'S256',
  }))
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await authorize(page)
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(password)
  await submitFormWith(page, 'password')
}

let userCounter = 0

describe.each([{ locale: 'en-US' }, { locale: 'de-DE' }])('pages reached by real flows, $locale', ({ locale }) => {
  it('have no serious or critical axe-core violation', async () => {
    const username = `a11y-${++userCounter}`
    const password = `${username}-password`
    await createUser(server.store, { username, password, email: `${username}@example.test`, emailVerified: true }, Math.floor(Date.now() / 1000))
    const found: string[] = []
    const visited: string[] = []
    const usedSteps = new Set<number>()
    const code = (key: Uint8Array): string => {
      const now = timeStep(Math.floor(Date.now() / 1000))
      const step = [now + 1, now].find((candidate) => !usedSteps.has(candidate)) ?? now - 1
      usedSteps.add(step)
      return hotp(key, step)
    }
    const context = await chromium.newContext({ locale, viewport: { width: 390, height: 844 } })
    context.setDefaultTimeout(10_000)
    const page = await context.newPage()
    try {
      await authorize(page)
      await check(page, 'login', found, visited)
      await page.locator('input[name="username"]').fill(username)
      await page.locator('input[name="password"]').fill('wrong-password')
      await submitFormWith(page, 'password')
      await check(page, 'login with an error', found, visited)
      await page.locator('input[name="password"]').fill(password)
      await submitFormWith(page, 'password')
      await page.locator('button[name="decision"][value="allow"]').waitFor()
      await check(page, 'consent', found, visited)
      await page.locator('button[name="decision"][value="allow"]').click()
      await page.waitForURL((url) => url.href.startsWith(redirectUri))

      await page.goto(`${server.url}/account`)
      await page.locator('section#identities').waitFor()
      await check(page, 'account', found, visited)
      await page.goto(`${server.url}/account/passkeys`)
      await check(page, 'passkey settings', found, visited)
      await page.goto(`${server.url}/account/two-factor`)
      await check(page, 'two-factor enrolment (QR code)', found, visited)
      const key = decodeBase32((await page.locator('#totp-secret').getAttribute('data-secret')) ?? '') ?? new Uint8Array()
      await page.locator('input[name="code"]').fill(code(key))
      await submitFormWith(page, 'code')
      await page.locator('#recovery-codes').waitFor()
      await check(page, 'recovery codes', found, visited)

      // A new sign-in now has a second step.
      await context.clearCookies()
      await signIn(page, username, password)
      await page.locator('input[name="code"]').waitFor()
      await check(page, 'second step', found, visited)
      await page.locator('input[name="code"]').fill('000000')
      await submitFormWith(page, 'code')
      await check(page, 'second step with an error', found, visited)
      await page.locator('input[name="code"]').fill(code(key))
      await submitFormWith(page, 'code')
      await page.waitForURL((url) => url.href.startsWith(redirectUri))

      await page.goto(`${server.url}/authorize?client_id=unknown-client&response_type=code`)
      await check(page, 'error page', found, visited)
    } finally {
      await context.close()
    }
    expect(visited).toHaveLength(10)
    expect(found).toEqual([])
  }, TEST_TIMEOUT)
})
