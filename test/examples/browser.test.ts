import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/chromium.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'
import { startTutorial, type RunningTutorial } from './tutorial.js'

/**
 * The tutorial app in a real Chromium: what a user clicks, from "Log in with Tessera" through Tessera's
 * login and consent pages to /profile, then every route of the app, and logout at the provider.
 */

const STEP_TIMEOUT = 10_000

let server: TestServer
let app: RunningTutorial
let chromium: Browser
let context: BrowserContext
let page: Page

beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
  app = await startTutorial(server)
  const now = Math.floor(Date.now() / 1000)
  await server.notes.create({ id: 'note-1', owner: server.users.alice.id, title: 'Tutorial', body: 'ported to TypeScript', created_at: now, updated_at: now })
  chromium = await launchChromium()
}, 60_000)

afterAll(async () => {
  await chromium?.close()
  await app?.close()
  await server?.close()
}, 30_000)

beforeEach(async () => {
  context = await chromium.newContext({ viewport: { width: 1024, height: 768 } })
  context.setDefaultTimeout(STEP_TIMEOUT)
  page = await context.newPage()
})

afterEach(async () => {
  await context?.close()
})

async function signInAtTessera(username: string, password: string): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`${server.url}/interaction/`))
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

describe('the tutorial app in Chromium', () => {
  it(
    'logs in at Tessera with consent, lands on /profile, and /userinfo, /notes, /refresh_token and /logout work',
    async () => {
      await page.goto(`${app.origin}/`)
      await page.getByRole('link', { name: 'Log in with Tessera' }).click()
      await signInAtTessera('alice', 'alice-password')
      await page.getByRole('button', { name: 'Allow' }).click()

      await page.waitForURL(`${app.origin}/profile`)
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Alice Liddell')
      await page.screenshot({ path: '/tmp/tessera-tutorial-profile.png', fullPage: true })

      await page.getByRole('link', { name: 'Userinfo' }).click()
      await page.waitForURL(`${app.origin}/userinfo`)
      const claims = JSON.parse((await page.locator('#userinfo').textContent()) ?? '{}') as Record<string, unknown>
      expect(claims).toMatchObject({ sub: server.users.alice.id, name: 'Alice Liddell', email: 'alice@example.com' })

      await page.getByRole('link', { name: 'Notes' }).click()
      await page.waitForURL(`${app.origin}/notes`)
      expect(await page.getByRole('listitem').allTextContents()).toEqual(['Tutorial ported to TypeScript'])

      await page.getByRole('link', { name: 'Refresh token' }).click()
      await page.waitForURL(`${app.origin}/refresh_token`)
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Token refreshed')
      await page.getByRole('link', { name: 'Notes' }).click()
      expect(await page.getByRole('listitem').allTextContents()).toEqual(['Tutorial ported to TypeScript'])

      // Logout ends the app's session and Tessera's, then Tessera sends the browser back to the app.
      await page.getByRole('button', { name: 'Log out' }).click()
      await page.waitForURL(`${app.origin}/?state=*`)
      await expect(page.getByRole('link', { name: 'Log in with Tessera' }).isVisible()).resolves.toBe(true)
      await page.goto(`${app.origin}/profile`)
      await page.waitForURL((url) => url.href.startsWith(`${server.url}/interaction/`))
      await expect(page.getByLabel('Password').isVisible()).resolves.toBe(true)
    },
    60_000,
  )

  it('shows a friendly page when the user declines at the consent page, and stays signed out', async () => {
    await page.goto(`${app.origin}/login`)
    await signInAtTessera('bob', 'bob-password')
    await page.getByRole('button', { name: 'Deny' }).click()
    await page.waitForURL((url) => url.href.startsWith(`${app.origin}/authorize?`))
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign-in cancelled')
    await page.goto(`${app.origin}/`)
    await expect(page.getByRole('link', { name: 'Log in with Tessera' }).isVisible()).resolves.toBe(true)
  }, 30_000)
})
