import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { CDPSession, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeJwt } from 'jose'
import { passkeys } from '../../src/server/passkeys/index.js'
import { signInWithPassword, startBrowserHarness, type BrowserHarness } from '../helpers/browser-flow.js'
import { startTestServer } from '../helpers/tessera.js'

/**
 * Issue 17's "register a passkey and sign in with it" in a real Chromium with its virtual authenticator
 * (DevTools WebAuthn domain: CTAP2, internal, resident keys, user verification): the account page's
 * registration and the login page's "Sign in with a passkey" run the passkey script under the strict CSP,
 * through to the client.
 */

const TEST_TIMEOUT = 45_000
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** axe-core's serious and critical violations on the page (run through DevTools, so the page's CSP stays as is). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE)
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string | null }[] }> } }).axe
    const result = await axe.run()
    return result.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => violation.id)
  })
}

let harness: BrowserHarness

beforeAll(async () => {
  // The issuer is http://localhost:<port>: WebAuthn accepts localhost as a secure context and RP id.
  harness = await startBrowserHarness(await startTestServer({ store: 'memory', capabilities: [passkeys()] }), { clientId: 'browser-passkeys', scopes: ['openid', 'profile'], skipConsent: true })
}, 60_000)

afterAll(async () => {
  await harness?.close()
}, 30_000)

/** A page with a virtual platform authenticator that holds resident keys and verifies its user. */
async function pageWithAuthenticator(): Promise<{ page: Page; cdp: CDPSession; authenticatorId: string }> {
  const page = await harness.newPage()
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  })
  return { page, cdp, authenticatorId }
}

describe('passkeys in Chromium', () => {
  it('registers a passkey at the account page, then signs in with it without a password and lands in the client', async () => {
    const { server, callback, cspViolations } = harness
    const { page, cdp, authenticatorId } = await pageWithAuthenticator()

    // Signed in with the password, alice adds a passkey.
    await harness.authorize(page, 'openid profile')
    await signInWithPassword(page, 'alice', 'alice-password')
    await page.waitForURL((url) => url.href.startsWith(callback.redirectUri))
    await page.goto(`${server.url}/account/passkeys`)
    expect(await seriousViolations(page)).toEqual([])
    await page.getByLabel('Name of the new passkey').fill('Chromium')
    await page.getByRole('button', { name: 'Add a passkey' }).click()
    await page.getByText('Passkey “Chromium” added.').waitFor()
    expect(await seriousViolations(page)).toEqual([])
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(credentials).toHaveLength(1)
    expect(credentials[0]?.isResidentCredential).toBe(true)

    // Signed out (cookies gone), she signs in again with the passkey alone.
    await page.context().clearCookies()
    const { state, verifier } = await harness.authorize(page, 'openid profile')
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.getByRole('heading', { name: 'Sign in with a passkey' }).waitFor()
    expect(await seriousViolations(page)).toEqual([])
    await page.getByRole('button', { name: 'Use a passkey' }).click()
    await page.waitForURL((url) => url.href.startsWith(callback.redirectUri))
    const response = await harness.redeem(state, verifier)
    const body = (await response.json()) as { id_token: string }
    expect(response.status).toBe(200)
    expect(decodeJwt(body.id_token)).toMatchObject({ sub: server.users.alice.id, amr: ['hwk', 'mfa'], acr: 'urn:tessera:mfa' })
    expect(cspViolations).toEqual([])
  }, TEST_TIMEOUT)
})
