import { randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '../../src/crypto/random.js'
import { createClient } from '../../src/server/admin.js'
import { ADMIN_CONSOLE_SESSION } from '../../src/storage/kinds/admin-console.js'
import { startConsoleServer } from '../helpers/admin-console.js'
import { seriousViolations } from '../helpers/axe.js'
import { launchChromium } from '../helpers/chromium.js'
import { newPkce } from '../helpers/pkce.js'
import { authorizeUrl, clientPost, RP1, type TestServer } from '../helpers/tessera.js'

/**
 * The admin console in a real Chromium: alice (an admin) signs in through the login page, creates a client
 * and sees its secret once (neither reload nor back shows it again), edits a redirect URI, revokes bob's
 * session (his own browser loses it), and reads the audit entries of those actions with herself as the
 * actor; a key rotation asks her to sign in again first; axe-core finds no serious or critical violation
 * on any console page, light and dark, under the console's own CSP.
 */

const TEST_TIMEOUT = 90_000

let server: TestServer
let chromium: Browser
const contexts: BrowserContext[] = []

beforeAll(async () => {
  server = await startConsoleServer()
  chromium = await launchChromium()
}, 60_000)

afterAll(async () => {
  await chromium?.close()
  await server?.close()
}, 30_000)

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close()
})

async function newPage(colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await chromium.newContext({ viewport: { width: 1200, height: 900 }, colorScheme })
  contexts.push(context)
  context.setDefaultTimeout(10_000)
  // The fixtures' clients redirect to RP1, where nothing listens: the browser lands on a stand-in page.
  await context.route((url) => url.href.startsWith(RP1), (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'Back at the client.' }))
  return context.newPage()
}

async function enterPassword(page: Page, username: string, password: string): Promise<void> {
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(password)
  await page.locator('form:has([name="password"]) button[type="submit"]').first().click()
}

async function signIn(page: Page, path = '/clients'): Promise<void> {
  await page.goto(`${server.url}/admin${path}`)
  await enterPassword(page, 'alice', 'alice-password')
  await page.getByText('Signed in as').waitFor()
}

/** A sign-in at the first-party client (no consent step) in `page`; where the browser lands at the client. */
async function authorizeAtClient(page: Page, credentials: { username: string; password: string }): Promise<URL> {
  const { challenge } = newPkce()
  const state = randomBytes(12).toString('base64url')
  await page.goto(authorizeUrl(server.url, {
    response_type: 'code', client_id: server.clients.firstParty.id, redirect_uri: RP1, scope: 'openid',
    state, nonce: `nonce-${state}`, code_challenge: challenge, code_challenge_method: 'S256',
  }))
  await enterPassword(page, credentials.username, credentials.password)
  await page.waitForURL((url) => url.href.startsWith(RP1))
  const landed = new URL(page.url())
  expect(landed.searchParams.get('state')).toBe(state)
  return landed
}

/** `prompt=none` from `page`'s browser, with its cookies: the authorization response's redirect to the client. */
async function silentAuthorize(page: Page): Promise<URL> {
  const { challenge } = newPkce()
  const answer = await page.context().request.get(authorizeUrl(server.url, {
    response_type: 'code', client_id: server.clients.firstParty.id, redirect_uri: RP1, scope: 'openid', prompt: 'none',
    state: 'silent', nonce: 'nonce-silent', code_challenge: challenge, code_challenge_method: 'S256',
  }), { maxRedirects: 0 })
  expect(answer.status()).toBe(303)
  const location = new URL(answer.headers().location ?? '', server.url)
  expect(location.href.startsWith(RP1)).toBe(true)
  return location
}

/**
 * Makes the console session of `page`'s browser older than the fresh-sign-in window (its `auth_time` ten
 * minutes back), and lets the provider's own session reach one second: `max_age=0` asks for a new sign-in
 * only once the elapsed time is greater than 0 (OIDC Core §3.1.2.1), which a sign-in of this very second is not.
 */
async function ageConsoleSignIn(page: Page): Promise<void> {
  const cookie = (await page.context().cookies(`${server.url}/admin`)).find((entry) => entry.path === '/admin')
  if (!cookie) throw new Error('no console cookie')
  const key = sha256(cookie.value)
  const now = Math.floor(Date.now() / 1000)
  const found = await server.store.records.get(ADMIN_CONSOLE_SESSION, key, now)
  if (!found) throw new Error('no console session for the cookie')
  await server.store.records.put(ADMIN_CONSOLE_SESSION, { ...found, value: { ...found.value, auth_time: now - 600 } }, { replace: true })
  while (Math.floor(Date.now() / 1000) <= found.value.auth_time) await new Promise((resolve) => setTimeout(resolve, 100))
}

describe('admin console in Chromium', () => {
  it('an admin creates a client, sees its secret once, edits a redirect URI, revokes a user\'s session and reads the audit trail', async () => {
    // bob, in a browser of his own, signs in at a client: the session the admin will revoke.
    const bobPage = await newPage()
    expect((await authorizeAtClient(bobPage, { username: 'bob', password: 'bob-password' })).searchParams.get('code')).toBeTruthy()
    expect((await silentAuthorize(bobPage)).searchParams.get('code')).toBeTruthy()

    const page = await newPage()
    const errors: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text())
    })
    await signIn(page)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Clients')

    await page.getByRole('link', { name: 'New client' }).click()
    await page.getByLabel('Name', { exact: true }).fill('Chromium app')
    await page.getByLabel('Client ID (optional)').fill('chromium-app')
    await page.getByLabel('Redirect URIs', { exact: true }).fill('https://chromium.example/cb')
    await page.getByLabel('Scopes', { exact: true }).fill('openid')
    await page.getByRole('button', { name: 'Create client' }).click()
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Client created')
    const secret = await page.getByLabel('Client secret').inputValue()
    expect(secret.length).toBeGreaterThan(20)
    expect(page.url()).not.toContain(secret)
    // The copy button is the script's: shown once it runs (no inline script, the page's CSP allows no other).
    await page.getByRole('button', { name: 'Copy' }).waitFor()
    const works = await clientPost(server, '/introspect', { id: 'chromium-app', secret, method: 'client_secret_basic', redirectUri: '' }, { token: 'nothing' })
    expect(works.status).toBe(200)

    await page.reload()
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Secret not shown again')
    expect(await page.content()).not.toContain(secret)
    await page.goBack()
    await page.goForward()
    expect(await page.content()).not.toContain(secret)

    await page.goto(`${server.url}/admin/clients/chromium-app`)
    await page.getByRole('link', { name: 'Edit' }).click()
    await page.getByLabel('Redirect URIs', { exact: true }).fill('https://chromium.example/cb\nhttps://chromium.example/other')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('The changes were saved.').waitFor()
    expect(await page.content()).toContain('https://chromium.example/other')
    expect((await server.store.clients.get('chromium-app'))?.redirect_uris).toEqual(['https://chromium.example/cb', 'https://chromium.example/other'])

    await page.goto(`${server.url}/admin/users?q=bob`)
    await page.getByRole('link', { name: 'bob', exact: true }).click()
    const revoke = page.getByRole('link', { name: /^Revoke session / })
    expect(await revoke.count()).toBe(1)
    const sid = ((await revoke.textContent()) ?? '').replace(/^Revoke session /, '').trim()
    expect(sid).not.toBe('')
    await revoke.click()
    expect(new URL(page.url()).pathname).toBe(`/admin/users/${encodeURIComponent(server.users.bob.id)}/sessions/${encodeURIComponent(sid)}/revoke`)
    await page.getByRole('button', { name: 'Revoke the session' }).click()
    expect(await page.getByRole('status').textContent()).toContain('The session was revoked')
    expect(await page.getByRole('link', { name: /^Revoke session / }).count()).toBe(0)
    // bob's browser still holds its cookie, but the session behind it is gone: no silent sign-in any more.
    expect((await silentAuthorize(bobPage)).searchParams.get('error')).toBe('login_required')

    await page.getByRole('link', { name: 'Audit trail' }).last().click()
    await page.locator('tbody tr').first().waitFor()
    for (const type of ['client.created', 'client.updated', 'admin.session_revoked']) {
      const byAlice = page.locator('tbody tr', { has: page.getByText(type, { exact: true }) })
        .filter({ hasText: `actor_sub=${server.users.alice.id}` })
        .filter({ hasText: 'actor_client_id=urn:tessera:admin-console' })
      expect(await byAlice.count(), type).toBeGreaterThan(0)
    }
    expect(await page.locator('tbody tr', { has: page.getByText('admin.session_revoked', { exact: true }) }).filter({ hasText: `sid=${sid}` }).count()).toBe(1)
    expect(errors).toEqual([])
  }, TEST_TIMEOUT)

  it('asks for a fresh sign-in (max_age=0) before a key rotation, then lists the new keys', async () => {
    const page = await newPage()
    await signIn(page, '/keys')
    const before = await page.locator('tbody th code').allTextContents()
    await ageConsoleSignIn(page)
    await page.goto(`${server.url}/admin/keys/rotate`)
    await page.getByText('you will be asked to sign in again first').waitFor()
    const authorize = page.waitForRequest((request) => new URL(request.url()).pathname === '/authorize')
    await page.getByRole('button', { name: 'Rotate the keys' }).click()
    expect(new URL((await authorize).url()).searchParams.get('max_age')).toBe('0')
    // The provider session lives, yet max_age=0 makes alice enter her password again.
    await page.waitForURL((url) => url.pathname.startsWith('/interaction/'))
    await enterPassword(page, 'alice', 'alice-password')
    await page.waitForURL(`${server.url}/admin/keys`)
    await page.getByRole('link', { name: 'Rotate the signing keys' }).click()
    expect(await page.getByText('you will be asked to sign in again first').count()).toBe(0)
    await page.getByRole('button', { name: 'Rotate the keys' }).click()
    await page.waitForURL((url) => url.pathname === '/admin/keys' && url.searchParams.get('notice') === 'keys-rotated')
    const after = await page.locator('tbody th code').allTextContents()
    const added = after.filter((kid) => !before.includes(kid))
    expect(added.length).toBeGreaterThan(0)
    for (const kid of added) expect(await page.locator('tbody tr', { has: page.getByText(kid, { exact: true }) }).textContent()).toContain('active')
  }, TEST_TIMEOUT)

  it.each(['light', 'dark'] as const)('has no serious or critical axe-core violation on any console page (%s)', async (colorScheme) => {
    await createClient(server.store, { name: 'Axe app', clientId: `axe-app-${colorScheme}`, redirectUris: ['https://axe.example/cb'] }, Math.floor(Date.now() / 1000))
    const axeApp = `/clients/axe-app-${colorScheme}`
    const page = await newPage(colorScheme)
    await signIn(page)
    const found: string[] = []
    const visit = async (name: string, path?: string): Promise<void> => {
      if (path !== undefined) await page.goto(`${server.url}/admin${path}`)
      found.push(...(await seriousViolations(page, name)))
    }
    await visit('client list', '/clients')
    await visit('new client', '/clients/new')
    await visit('client detail', axeApp)
    await visit('edit client', `${axeApp}/edit`)
    await visit('rotate confirmation', `${axeApp}/rotate`)
    await page.getByRole('button', { name: 'Rotate secret' }).click()
    await visit('new secret')
    await visit('delete confirmation', `${axeApp}/delete`)
    await visit('missing client', '/clients/no-such-client')
    await page.goto(`${server.url}/admin/clients/new`)
    await page.getByLabel('Name', { exact: true }).fill('Broken')
    await page.getByLabel('Redirect URIs', { exact: true }).fill('javascript:alert(1)')
    await page.getByRole('button', { name: 'Create client' }).click()
    await visit('create with an error')
    const alice = `/users/${encodeURIComponent(server.users.alice.id)}`
    await visit('user list', '/users')
    await visit('user search', '/users?q=ali')
    await visit('user with a session', alice)
    await visit('users with a refused page size', '/users?limit=100000')
    await page.goto(`${server.url}/admin${alice}`)
    await page.getByRole('link', { name: /^Revoke session / }).first().click()
    await visit('revoke session confirmation')
    await visit('revoke all sessions confirmation', `${alice}/sessions/revoke`)
    await visit('revoke grants confirmation', `${alice}/grants/revoke`)
    await visit('delete user confirmation', `${alice}/delete`)
    await visit('users filtered by state', '/users?state=active')
    await visit('disable user confirmation', `${alice}/disable`)
    await visit('enable user confirmation', `${alice}/enable`)
    await visit('password-reset confirmation', `${alice}/password-reset`)
    await page.getByRole('button', { name: 'Send the mail' }).click()
    await visit('password-reset answer')
    await visit('missing user', '/users/no-such-user')
    await visit('keys', '/keys')
    await visit('key rotation confirmation', '/keys/rotate')
    await visit('audit trail', '/audit')
    await visit('audit with a bad filter', '/audit?since=yesterday')
    await visit('registration', '/registration')
    await page.getByRole('button', { name: 'Create token' }).click()
    await visit('new initial access token')
    await visit('registration with a token', '/registration')
    await page.getByRole('link', { name: /Revoke/ }).first().click()
    await visit('revoke confirmation')
    await visit('not found', '/no-such-page')
    await page.goto(`${server.url}/admin/clients`)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await visit('signed out')
    expect(found).toEqual([])
  }, TEST_TIMEOUT)
})
