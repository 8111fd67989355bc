import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { accountSelfService } from '../../src/server/account/index.js'
import { createUser } from '../../src/server/admin.js'
import { federation } from '../../src/server/federation/index.js'
import { passkeys } from '../../src/server/passkeys/index.js'
import { decodeBase32 } from '../../src/protocol/rfc6238/base32.js'
import { seriousViolations } from '../helpers/axe.js'
import { startBrowserHarness, totpCodes, type BrowserHarness } from '../helpers/browser-flow.js'
import { startTestServer } from '../helpers/tessera.js'
import { startUpstream, type Upstream } from '../server/federation/upstream-harness.js'

/**
 * axe-core on the pages real flows reach, as the server renders them with real data (test/browser/
 * accessibility.test.ts checks the gallery's fixed views): the login page with its passkey and upstream
 * buttons, the second step, consent, the account page with every section, the two-factor pages (QR code,
 * recovery codes), the passkey settings and the error page — in English and in German. No serious or
 * critical violation (WCAG 2.2 A/AA rules), under each page's own CSP (axe is injected through DevTools).
 */

const TEST_TIMEOUT = 120_000

let harness: BrowserHarness
let upstream: Upstream

beforeAll(async () => {
  upstream = await startUpstream('corp')
  const server = await startTestServer({
    store: 'memory',
    development: { allowLoopbackFetch: true },
    capabilities: [
      accountSelfService({}), passkeys({}),
      federation({ upstreams: [{ id: 'corp', issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, label: 'Corp' }] }),
    ],
  })
  harness = await startBrowserHarness(server, { clientId: 'a11y-notes', scopes: ['openid', 'profile', 'email'] })
}, 60_000)

afterAll(async () => {
  await harness?.close()
  await upstream?.close()
}, 30_000)

/** The serious and critical violations of the page showing now, named after `name`. */
async function check(page: Page, name: string, found: string[], visited: string[]): Promise<void> {
  visited.push(name)
  found.push(...(await seriousViolations(page, name)))
}

/** Submits the form holding `field` (the password form, not the passkey or upstream buttons beside it). */
async function submitFormWith(page: Page, field: string): Promise<void> {
  await page.locator(`form:has([name="${field}"]) button[type="submit"]`).first().click()
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await harness.authorize(page, 'openid profile email')
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(password)
  await submitFormWith(page, 'password')
}

let userCounter = 0

describe.each([{ locale: 'en-US' }, { locale: 'de-DE' }])('pages reached by real flows, $locale', ({ locale }) => {
  it('have no serious or critical axe-core violation', async () => {
    const username = `a11y-${++userCounter}`
    const password = `${username}-password`
    const { server, callback } = harness
    await createUser(server.store, { username, password, email: `${username}@example.test`, emailVerified: true }, Math.floor(Date.now() / 1000))
    const found: string[] = []
    const visited: string[] = []
    const code = totpCodes()
    const page = await harness.newPage({ locale })
    const context = page.context()
    try {
      await harness.authorize(page, 'openid profile email')
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
      await page.waitForURL((url) => url.href.startsWith(callback.redirectUri))

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
      await page.waitForURL((url) => url.href.startsWith(callback.redirectUri))

      await page.goto(`${server.url}/authorize?client_id=unknown-client&response_type=code`)
      await check(page, 'error page', found, visited)
    } finally {
      await context.close()
    }
    expect(visited).toHaveLength(10)
    expect(found).toEqual([])
  }, TEST_TIMEOUT)
})
