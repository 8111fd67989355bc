import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { accountSelfService } from '../../src/server/account/index.js'
import { linkIn } from '../helpers/account.js'
import { signInWithPassword, startBrowserHarness, type BrowserHarness } from '../helpers/browser-flow.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js'
import { basicAuth, startTestServer } from '../helpers/tessera.js'

/**
 * The account pages in a real Chromium: a password reset from a mail the in-test SMTP server caught, and an
 * app disconnected from the account page whose refresh token the token endpoint then refuses.
 */

const TEST_TIMEOUT = 40_000
let sink: SmtpSink
let harness: BrowserHarness
let page: Page | undefined

beforeAll(async () => {
  sink = await startSmtpSink()
  const server = await startTestServer({ store: 'memory', capabilities: [accountSelfService({ mail: { url: sink.url, from: 'Tessera <no-reply@example.test>' } })] })
  harness = await startBrowserHarness(server, { clientId: 'browser-notes', grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'offline_access'] })
}, 60_000)

afterAll(async () => {
  await harness?.close()
  await sink?.close()
}, 30_000)

afterEach(async () => {
  await page?.context().close()
})

async function newPage(width: number): Promise<Page> {
  page = await harness.newPage({ width, height: 800 })
  return page
}

describe('account pages in Chromium', () => {
  it('resets a password from the mailed link on a phone-sized screen, then signs in with it', async () => {
    const { server } = harness
    const page = await newPage(375)
    await page.goto(`${server.url}/account`)
    await page.getByRole('link', { name: 'Forgot password?' }).click()
    await page.getByLabel('E-mail address').fill('alice@example.com')
    await page.getByRole('button', { name: 'Send the link' }).click()
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox')

    const link = linkIn((await sink.next('alice@example.com')).body, '/account/password-reset/confirm?token=')
    await page.goto(link)
    await page.getByLabel('New password').fill('alice-reset-in-chromium')
    await page.getByRole('button', { name: 'Set the new password' }).click()
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your password has been changed')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)

    await page.getByRole('link', { name: 'Sign in' }).click()
    await signInWithPassword(page, 'alice', 'alice-reset-in-chromium')
    await page.getByRole('heading', { name: 'Your account' }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/account')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    expect((await sink.next('alice@example.com')).subject).toContain('password was changed')
  }, TEST_TIMEOUT)

  it('disconnects an app on the account page; its refresh token is refused at the token endpoint', async () => {
    const { server, client, callback } = harness
    const page = await newPage(1024)
    const { state, verifier } = await harness.authorize(page, 'openid offline_access')
    await signInWithPassword(page, 'bob', 'bob-password')
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL((url) => url.href.startsWith(callback.redirectUri))
    const issued = (await (await harness.redeem(state, verifier)).json()) as { refresh_token: string }
    const token = (body: Record<string, string>) => fetch(`${server.url}/token`, {
      method: 'POST', headers: { authorization: basicAuth(client), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    })
    expect(issued.refresh_token).toBeTypeOf('string')

    await page.goto(`${server.url}/account`)
    const apps = page.locator('#apps')
    expect(await apps.textContent()).toContain('Notes')
    await apps.getByRole('button', { name: 'Disconnect' }).click()
    await page.getByRole('status').waitFor()
    expect(await page.getByRole('status').textContent()).toContain('disconnected')
    expect(await page.locator('#apps').textContent()).toContain('No app has access to your account.')

    const refused = await token({ grant_type: 'refresh_token', refresh_token: issued.refresh_token })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant')
  }, TEST_TIMEOUT)
})
