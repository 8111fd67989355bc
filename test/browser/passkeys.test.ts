import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, CDPSession, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeJwt } from 'jose'
import { createClient } from '../../src/server/admin.js'
import { passkeys } from '../../src/server/passkeys/index.js'
import { launchChromium } from '../helpers/chromium.js'
import { newPkce } from '../helpers/pkce.js'
import { authorizeUrl, basicAuth, startTestServer, type TestClient, type TestServer } from '../helpers/tessera.js'

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

let server: TestServer
let chromium: Browser
let http: Server
let redirectUri = ''
let notes: TestClient
const received: URL[] = []
const cspViolations: string[] = []

beforeAll(async () => {
  // The issuer is http://localhost:<port>: WebAuthn accepts localhost as a secure context and RP id.
  server = await startTestServer({ store: 'memory', capabilities: [passkeys()] })
  http = createServer((request, response) => {
    received.push(new URL(request.url ?? '/', redirectUri))
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Back at the client.')
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()))
  redirectUri = `http://127.0.0.1:${(http.address() as AddressInfo).port}/cb`
  const { clientSecret } = await createClient(server.store, {
    name: 'Notes', clientId: 'browser-passkeys', authMethod: 'client_secret_basic', redirectUris: [redirectUri],
    grantTypes: ['authorization_code'], scopes: ['openid', 'profile'], skipConsent: true,
  }, Math.floor(Date.now() / 1000))
  notes = { id: 'browser-passkeys', secret: clientSecret, method: 'client_secret_basic', redirectUri }
  chromium = await launchChromium()
}, 60_000)

afterAll(async () => {
  await chromium?.close()
  http?.closeAllConnections()
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()))
  await server?.close()
}, 30_000)

/** A page with a virtual platform authenticator that holds resident keys and verifies its user. */
async function pageWithAuthenticator(): Promise<{ page: Page; cdp: CDPSession; authenticatorId: string }> {
  const context = await chromium.newContext({ viewport: { width: 390, height: 844 } })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
  })
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  })
  return { page, cdp, authenticatorId }
}

async function goAuthorize(page: Page): Promise<{ state: string; verifier: string }> {
  const { verifier, challenge } = newPkce()
  const state = randomBytes(12).toString('base64url')
  await page.goto(authorizeUrl(server.url, {
    response_type: 'code', client_id: notes.id, redirect_uri: redirectUri, scope: 'openid profile', state,
    code_challenge: challenge, code_challenge_method: 'S256',
  }))
  return { state, verifier }
}

describe('passkeys in Chromium', () => {
  it('registers a passkey at the account page, then signs in with it without a password and lands in the client', async () => {
    const { page, cdp, authenticatorId } = await pageWithAuthenticator()

    // Signed in with the password, alice adds a passkey.
    await goAuthorize(page)
    await page.getByLabel('Username').fill('alice')
    await page.getByLabel('Password').fill('alice-password')
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForURL((url) => url.href.startsWith(redirectUri))
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
    const { state, verifier } = await goAuthorize(page)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.getByRole('heading', { name: 'Sign in with a passkey' }).waitFor()
    expect(await seriousViolations(page)).toEqual([])
    await page.getByRole('button', { name: 'Use a passkey' }).click()
    await page.waitForURL((url) => url.href.startsWith(redirectUri))
    const arrived = received.find((url) => url.searchParams.get('state') === state)
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(notes), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: arrived?.searchParams.get('code') ?? '', redirect_uri: redirectUri, code_verifier: verifier }),
    })
    const body = (await response.json()) as { id_token: string }
    expect(response.status).toBe(200)
    expect(decodeJwt(body.id_token)).toMatchObject({ sub: server.users.alice.id, amr: ['hwk', 'mfa'], acr: 'urn:tessera:mfa' })
    expect(cspViolations).toEqual([])
  }, TEST_TIMEOUT)
})
