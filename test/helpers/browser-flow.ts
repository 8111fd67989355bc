/**
 * What the Chromium tests (test/browser/) share: a client of the test server whose redirect URI is a
 * loopback server recording what it receives, the system Chromium, pages that collect CSP violations, the
 * authorization request with PKCE, the password form, the code redeemed at the token endpoint, and TOTP codes
 * a second step accepts (each time step once).
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { createClient } from '../../src/server/admin.js'
import { hotp, timeStep } from '../../src/protocol/rfc6238/totp.js'
import type { ClientAuthMethod, GrantType } from '../../src/storage/types.js'
import { launchChromium } from './chromium.js'
import { newPkce } from './pkce.js'
import { authorizeUrl, basicAuth, type TestClient, type TestServer } from './tessera.js'

/** The client's redirect target: a loopback server on an ephemeral port that records what it receives. */
export interface CallbackServer {
  redirectUri: string
  received: URL[]
  close(): Promise<void>
}

export async function startCallbackServer(): Promise<CallbackServer> {
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

/** The confidential client a browser test signs in to (`client_secret_basic`, its redirect URI the callback server's). */
export interface BrowserClientOptions {
  clientId: string
  scopes: string[]
  grantTypes?: GrantType[]
  skipConsent?: boolean
}

export interface BrowserHarness {
  server: TestServer
  chromium: Browser
  callback: CallbackServer
  client: TestClient
  /** Console messages about the Content Security Policy, from every page `newPage` made. */
  cspViolations: string[]
  /** A page in a context of its own (no shared cookies), its steps bounded at 10 s. */
  newPage(options?: { width?: number; height?: number; locale?: string }): Promise<Page>
  /** Opens the authorization request (code flow with PKCE S256) for `scope`, plus `extra` parameters; its state and verifier for `redeem`. */
  authorize(page: Page, scope: string, extra?: Record<string, string>): Promise<{ state: string; verifier: string }>
  /** Redeems the code that reached the callback with `state`. */
  redeem(state: string, verifier: string): Promise<Response>
  /** Closes Chromium, the callback server and `server`. */
  close(): Promise<void>
}

/**
 * Registers the client at `server`, starts the callback server and launches Chromium; the harness owns
 * `server` from then on.
 *
 * @example const harness = await startBrowserHarness(await startTestServer({ store: 'memory' }), { clientId: 'notes', scopes: ['openid'] })
 */
export async function startBrowserHarness(server: TestServer, options: BrowserClientOptions): Promise<BrowserHarness> {
  const callback = await startCallbackServer()
  const method: ClientAuthMethod = 'client_secret_basic'
  const { clientSecret } = await createClient(server.store, {
    name: 'Notes', clientId: options.clientId, authMethod: method, redirectUris: [callback.redirectUri],
    grantTypes: options.grantTypes ?? ['authorization_code'], scopes: options.scopes, ...(options.skipConsent ? { skipConsent: true } : {}),
  }, Math.floor(Date.now() / 1000))
  const client: TestClient = { id: options.clientId, secret: clientSecret, method, redirectUri: callback.redirectUri }
  const chromium = await launchChromium()
  const cspViolations: string[] = []
  return {
    server,
    chromium,
    callback,
    client,
    cspViolations,
    async newPage({ width = 390, height = 844, locale } = {}) {
      const context = await chromium.newContext({ viewport: { width, height }, ...(locale ? { locale } : {}) })
      context.setDefaultTimeout(10_000)
      const page = await context.newPage()
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
      })
      return page
    },
    async authorize(page, scope, extra = {}) {
      const { verifier, challenge } = newPkce()
      const state = randomBytes(12).toString('base64url')
      await page.goto(authorizeUrl(server.url, {
        response_type: 'code', client_id: client.id, redirect_uri: client.redirectUri, scope, state,
        code_challenge: challenge, code_challenge_method: 'S256', ...extra,
      }))
      return { state, verifier }
    },
    redeem(state, verifier) {
      const arrived = callback.received.find((url) => url.searchParams.get('state') === state)
      return fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { authorization: basicAuth(client), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: arrived?.searchParams.get('code') ?? '', redirect_uri: client.redirectUri, code_verifier: verifier }),
      })
    },
    async close() {
      await chromium.close()
      await callback.close()
      await server.close()
    },
  }
}

/** Fills Tessera's login form (English labels) and submits it with the password button, not the passkey one. */
export async function signInWithPassword(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

/**
 * A source of TOTP codes for one account: the next time step's code first, then the current one, never one
 * step twice (RFC 6238 §5.2: the server accepts each step once, and allows one step of drift).
 */
export function totpCodes(): (key: Uint8Array) => string {
  const usedSteps = new Set<number>()
  return (key) => {
    const now = timeStep(Math.floor(Date.now() / 1000))
    const step = [now + 1, now].find((candidate) => !usedSteps.has(candidate)) ?? now - 1
    usedSteps.add(step)
    return hotp(key, step)
  }
}
