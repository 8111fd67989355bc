import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeJwt } from 'jose'
import { decodeBase32 } from '../../src/protocol/rfc6238/base32.js'
import { signInWithPassword, startBrowserHarness, totpCodes, type BrowserHarness } from '../helpers/browser-flow.js'
import { startTestServer } from '../helpers/tessera.js'

/**
 * Issue 17's "enrol TOTP and pass the second step" in a real Chromium: the account page's QR code and key
 * under the strict CSP, the code computed from the key read off the page (src/protocol/rfc6238/), and the
 * login's second step through to the client.
 */

const TEST_TIMEOUT = 45_000

let harness: BrowserHarness

beforeAll(async () => {
  harness = await startBrowserHarness(await startTestServer({ store: 'memory' }), { clientId: 'browser-2fa', scopes: ['openid', 'profile'], skipConsent: true })
}, 60_000)

afterAll(async () => {
  await harness?.close()
}, 30_000)

async function startSignIn(page: Page): Promise<{ state: string; verifier: string }> {
  const started = await harness.authorize(page, 'openid profile')
  await signInWithPassword(page, 'alice', 'alice-password')
  return started
}

describe('TOTP in Chromium', () => {
  it('enrols at the account page from the QR page, then passes the second step at sign-in', async () => {
    const code = totpCodes()
    const { server, callback, cspViolations } = harness

    // Signed in with the password alone, the user turns two-factor authentication on.
    const first = await harness.newPage()
    await startSignIn(first)
    await first.waitForURL((url) => url.href.startsWith(callback.redirectUri))
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
    const second = await harness.newPage()
    const { state, verifier } = await startSignIn(second)
    await second.getByRole('heading', { name: 'Two-factor authentication' }).waitFor()
    expect(callback.received.some((url) => url.searchParams.get('state') === state)).toBe(false)
    await second.getByLabel('Authentication code').fill(code(key))
    await second.getByRole('button', { name: 'Verify' }).click()
    await second.waitForURL((url) => url.href.startsWith(callback.redirectUri))
    const response = await harness.redeem(state, verifier)
    const body = (await response.json()) as { id_token: string }
    expect(response.status).toBe(200)
    expect(decodeJwt(body.id_token)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: 'urn:tessera:mfa' })
    expect(cspViolations).toEqual([])
  }, TEST_TIMEOUT)
})
