import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { federation } from '../../src/server/federation/index.js'
import { signInWithPassword } from '../helpers/browser-flow.js'
import { launchChromium } from '../helpers/chromium.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'
import { startTutorial, type RunningTutorial } from '../examples/tutorial.js'

/**
 * Federated login in a real Chromium: the tutorial app's "Log in with Tessera", Tessera's login page with
 * "Continue with Google", panva's oidc-provider as a Google-shaped upstream (its own login and consent
 * pages), Tessera's consent, and the app's /profile with the provisioned user's name; and the same with a
 * second Tessera as a generic OpenID provider (its password form and consent).
 */

interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void
}
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider

const GOOGLE = { clientId: 'tessera-browser-test', clientSecret: 'google-shaped-browser-secret-0123456789' }
const UPSTREAM_TESSERA = { clientId: 'downstream-tessera', clientSecret: 'upstream-tessera-browser-secret-0123456789' }

let googleHttp: Server
/** oidc-provider, shaped like Google, at the root of this origin. */
let googleIssuer = ''
let upstreamTessera: TestServer
let server: TestServer
let app: RunningTutorial
let chromium: Browser

beforeAll(async () => {
  googleHttp = createServer()
  await new Promise<void>((resolve) => googleHttp.listen(0, '127.0.0.1', resolve))
  googleIssuer = `http://127.0.0.1:${(googleHttp.address() as AddressInfo).port}`
  upstreamTessera = await startTestServer({ store: 'memory' })
  server = await startTestServer({
    store: 'memory',
    development: { allowLoopbackFetch: true },
    capabilities: [federation({
      upstreams: [
        { id: 'google', preset: 'google', issuer: googleIssuer, ...GOOGLE },
        { id: 'tessera', preset: 'tessera', issuer: upstreamTessera.url, label: 'Tessera Upstream', ...UPSTREAM_TESSERA },
      ],
    })],
  })
  await createClient(upstreamTessera.store, {
    name: 'Downstream Tessera', clientId: UPSTREAM_TESSERA.clientId, clientSecret: UPSTREAM_TESSERA.clientSecret, authMethod: 'client_secret_basic',
    redirectUris: [`${server.url}/federation/tessera/callback`], grantTypes: ['authorization_code'], scopes: ['openid', 'profile', 'email'],
  }, Math.floor(Date.now() / 1000))
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const Provider = ((await import('oidc-provider' as string)) as { default: ProviderClass }).default
  const provider = new Provider(googleIssuer, {
    clients: [{ client_id: GOOGLE.clientId, client_secret: GOOGLE.clientSecret, grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: [`${server.url}/federation/google/callback`] }],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'google-browser-1' }] },
    cookies: { keys: ['google-shaped-browser-cookie-key-0123456789'] },
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id, name: 'Grace Upstream', email: 'grace@gmail.test', email_verified: true }) }),
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
  })
  googleHttp.on('request', provider.callback())
  app = await startTutorial(server)
  chromium = await launchChromium()
}, 60_000)

afterAll(async () => {
  await chromium?.close()
  await app?.close()
  await server?.close()
  await upstreamTessera?.close()
  googleHttp?.closeAllConnections()
  await new Promise((resolve) => googleHttp?.close(resolve))
}, 30_000)

async function atGoogle(page: Page): Promise<void> {
  await page.locator('input[name="login"]').fill('grace-1234')
  await page.locator('input[name="password"]').fill('any password')
  await page.locator('button[type="submit"]').click()
  // oidc-provider's consent page.
  await page.locator('button[type="submit"]').click()
}

/** Plays the upstream Tessera's alice at its own password form and consent page. */
async function atUpstreamTessera(page: Page): Promise<void> {
  await signInWithPassword(page, upstreamTessera.users.alice.username, upstreamTessera.users.alice.password)
  await page.getByRole('button', { name: 'Allow' }).click()
}

/**
 * In a fresh context: the tutorial app's "Log in with Tessera", Tessera's login page, its button `upstream`,
 * `atUpstream` on the upstream's pages (their URLs start with `upstreamPages`), consent at Tessera, then
 * `check` on the app's /profile.
 */
async function federatedLogin(upstream: string, upstreamPages: string, atUpstream: (page: Page) => Promise<void>, check: (page: Page) => Promise<void>): Promise<void> {
  const context = await chromium.newContext({ viewport: { width: 1024, height: 768 } })
  context.setDefaultTimeout(10_000)
  try {
    const page = await context.newPage()
    await page.goto(`${app.origin}/`)
    await page.getByRole('link', { name: 'Log in with Tessera' }).click()
    await page.waitForURL((url) => url.href.startsWith(`${server.url}/interaction/`))
    await expect(page.getByRole('region', { name: 'Other ways to sign in' }).isVisible()).resolves.toBe(true)
    await page.getByRole('button', { name: upstream }).click()
    await page.waitForURL((url) => url.href.startsWith(upstreamPages))
    await atUpstream(page)
    await page.waitForURL((url) => url.href.startsWith(`${server.url}/interaction/`))
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL(`${app.origin}/profile`)
    await check(page)
  } finally {
    await context.close()
  }
}

describe('federated login in Chromium', () => {
  it('signs in at Tessera with "Continue with Google" through oidc-provider and lands in the tutorial app', async () => {
    await federatedLogin('Continue with Google', `${googleIssuer}/`, atGoogle, async (page) => {
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Grace Upstream')
    })
  }, 60_000)

  it('signs in at Tessera with "Continue with Tessera Upstream" through a second Tessera and lands as the downstream\'s own user', async () => {
    await federatedLogin('Continue with Tessera Upstream', `${upstreamTessera.url}/interaction/`, atUpstreamTessera, async (page) => {
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Alice Liddell')
      expect(await page.getByText('Signed in with').textContent()).toBe(`Signed in with ${server.url}`)
      // Provisioned at the downstream: neither the upstream's alice nor the downstream's, and no password of its own.
      const provisioned = (await server.store.users.list()).filter((user) => user.name === 'Alice Liddell' && user.id !== server.users.alice.id)
      expect(provisioned).toHaveLength(1)
      expect(provisioned[0]?.id).not.toBe(upstreamTessera.users.alice.id)
      expect(provisioned[0]?.username).not.toBe('alice')
      expect(provisioned[0]?.password_hash.startsWith('!')).toBe(true)
    })
  }, 60_000)
})
