import { readFileSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { startConsoleServer } from '../helpers/admin-console.js'
import { launchChromium } from '../helpers/chromium.js'
import { clientPost, type TestServer } from '../helpers/tessera.js'

/**
 * The admin console in a real Chromium: alice (an admin) signs in through the login page, creates a client
 * and sees its secret once (neither reload nor back shows it again), edits a redirect URI, and reads the
 * audit entries of those changes; axe-core finds no serious or critical violation on any page of the
 * clients, audit and registration sections, under their own CSP.
 */

const TEST_TIMEOUT = 90_000
const AXE = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8')

let server: TestServer
let chromium: Browser
let context: BrowserContext | undefined

beforeAll(async () => {
  server = await startConsoleServer()
  chromium = await launchChromium()
}, 60_000)

afterAll(async () => {
  await chromium?.close()
  await server?.close()
}, 30_000)

afterEach(async () => {
  await context?.close()
})

async function newPage(): Promise<Page> {
  context = await chromium.newContext({ viewport: { width: 1200, height: 900 } })
  context.setDefaultTimeout(10_000)
  return context.newPage()
}

async function signIn(page: Page, path = '/clients'): Promise<void> {
  await page.goto(`${server.url}/admin${path}`)
  await page.locator('input[name="username"]').fill('alice')
  await page.locator('input[name="password"]').fill('alice-password')
  await page.locator('form:has([name="password"]) button[type="submit"]').first().click()
  await page.getByText('Signed in as').waitFor()
}

interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[] }[]
}

async function seriousViolations(page: Page, name: string): Promise<string[]> {
  const session = await page.context().newCDPSession(page)
  await session.send('Runtime.evaluate', { expression: AXE })
  const result = await session.send('Runtime.evaluate', {
    expression: "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))",
    awaitPromise: true,
    returnByValue: true,
  })
  await session.detach()
  if (result.exceptionDetails) throw new Error(`axe failed: ${JSON.stringify(result.exceptionDetails)}`)
  return (result.result.value as AxeViolation[])
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${name}: ${violation.id} (${violation.impact}) ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)
}

describe('admin console in Chromium', () => {
  it('an admin creates a client, sees its secret once, edits a redirect URI and reads the audit trail', async () => {
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

    await page.getByRole('link', { name: 'Audit trail' }).last().click()
    const rows = page.locator('tbody tr')
    await rows.first().waitFor()
    const trail = await page.locator('tbody').textContent()
    expect(trail).toContain('client.created')
    expect(trail).toContain('client.updated')
    expect(trail).toContain('actor_client_id=urn:tessera:admin-console')
    expect(errors).toEqual([])
  }, TEST_TIMEOUT)

  it('has no serious or critical axe-core violation on the clients, audit and registration pages', async () => {
    await createClient(server.store, { name: 'Axe app', clientId: 'axe-app', redirectUris: ['https://axe.example/cb'] }, Math.floor(Date.now() / 1000))
    const page = await newPage()
    await signIn(page)
    const found: string[] = []
    const visit = async (name: string, path?: string): Promise<void> => {
      if (path !== undefined) await page.goto(`${server.url}/admin${path}`)
      found.push(...(await seriousViolations(page, name)))
    }
    await visit('client list', '/clients')
    await visit('new client', '/clients/new')
    await visit('client detail', '/clients/axe-app')
    await visit('edit client', '/clients/axe-app/edit')
    await visit('rotate confirmation', '/clients/axe-app/rotate')
    await page.getByRole('button', { name: 'Rotate secret' }).click()
    await visit('new secret')
    await visit('delete confirmation', '/clients/axe-app/delete')
    await visit('missing client', '/clients/no-such-client')
    await page.goto(`${server.url}/admin/clients/new`)
    await page.getByLabel('Name', { exact: true }).fill('Broken')
    await page.getByLabel('Redirect URIs', { exact: true }).fill('javascript:alert(1)')
    await page.getByRole('button', { name: 'Create client' }).click()
    await visit('create with an error')
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
