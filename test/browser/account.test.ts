import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { accountSelfService } from '../../src/server/account/index.js'
import { createClient } from '../../src/server/admin.js'
import { linkIn } from '../helpers/account.js'
import { launchChromium } from '../helpers/chromium.js'
import { newPkce } from '../helpers/pkce.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js'
import { authorizeUrl, basicAuth, startTestServer, type TestServer } from '../helpers/tessera.js'

/**
 * The account pages in a real Chromium: a password reset from a mail the in-test SMTP server caught, and an
 * app disconnected from the account page whose refresh token the token endpoint then refuses.
 */

const TEST_TIMEOUT = 40_000
let server: TestServer
let sink: SmtpSink
let chromium: Browser
let context: BrowserContext | undefined
let callback: Server
let redirectUri: string
let clientSecret: string

beforeAll(async () => {
  sink = await startSmtpSink()
  server = await startTestServer({ store: 'memory', capabilities: [accountSelfService({ mail: { url: sink.url, from: 'Tessera <no-reply@example.test>' } })] })
  callback = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('Back at the client.'))
  await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve))
  redirectUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/cb`
  clientSecret = (await createClient(server.store, {
    name: 'Notes', clientId: 'browser-notes', authMethod: 'client_secret_basic', redirectUris: [redirectUri],
    grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'offline_access'],
  }, Math.floor(Date.now() / 1000))).clientSecret ?? ''
  chromium = await launchChromium()
}, 60_000)

afterAll(async () => {
  await chromium?.close()
  callback?.closeAllConnections()
  await new Promise<void>((resolve) => (callback ? callback.close(() => resolve()) : resolve()))
  await server?.close()
  await sink?.close()
}, 30_000)

afterEach(async () => {
  await context?.close()
})

async function newPage(width: number): Promise<Page> {
  context = await chromium.newContext({ viewport: { width, height: 800 } })
  context.setDefaultTimeout(10_000)
  return context.newPage()
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

describe('account pages in Chromium', () => {
  it('resets a password from the mailed link on a phone-sized screen, then signs in with it', async () => {
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
    await signIn(page, 'alice', 'alice-reset-in-chromium')
    await page.getByRole('heading', { name: 'Your account' }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/account')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    expect((await sink.next('alice@example.com')).subject).toContain('password was changed')
  }, TEST_TIMEOUT)

  it('disconnects an app on the account page; its refresh token is refused at the token endpoint', async () => {
    const page = await newPage(1024)
    const { verifier, challenge } = newPkce()
    const state = randomBytes(12).toString('base64url')
    await page.goto(authorizeUrl(server.url, { response_type: 'code', client_id: 'browser-notes', redirect_uri: redirectUri, scope: 'openid offline_access', state, code_challenge: challenge, code_challenge_method: 'S256' }))
    await signIn(page, 'bob', 'bob-password')
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL((url) => url.href.startsWith(redirectUri))
    const code = new URL(page.url()).searchParams.get('code') ?? ''
    const token = (body: Record<string, string>) => fetch(`${server.url}/token`, {
      method: 'POST', headers: { authorization: basicAuth({ id: 'browser-notes', secret: clientSecret, method: 'client_secret_basic', redirectUri }), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    })
    const issued = (await (await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier })).json()) as { refresh_token: string }
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
