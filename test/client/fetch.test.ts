import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ClientConfigError, ReauthenticationRequired, type ClientError } from '../../src/client/errors.js'
import type { TestApp } from './app.js'
import { startEvilProvider, type EvilProvider } from './evil-provider.js'
import { attemptLogin, startEvilRp } from './evil-harness.js'
import { contextFor } from './session-flows.js'

/** `oauth.fetch`: bearer requests with refresh ahead of expiry and on `invalid_token`, nothing more. */

let evil: EvilProvider
let app: TestApp
let skew = 0

beforeAll(async () => {
  evil = await startEvilProvider()
  app = await startEvilRp(evil, {}, { now: () => Math.floor(Date.now() / 1000) + skew })
})
afterAll(async () => {
  await app?.close()
  await evil?.close()
})
beforeEach(() => {
  evil.behaviour = {}
  evil.requests.length = 0
})
afterEach(() => {
  skew = 0
})

const refreshes = (): number => evil.count('/token', (request) => request.body.get('grant_type') === 'refresh_token')

describe('oauth.fetch', () => {
  it('sends the bearer token and does not refresh a fresh one', async () => {
    const { browser } = await attemptLogin(app)
    const response = await app.oauth.fetch(contextFor(browser, app), `${evil.url}/userinfo`)
    expect(response.status).toBe(200)
    expect(evil.requests.at(-1)?.headers.authorization).toMatch(/^Bearer /)
    expect(refreshes()).toBe(0)
  })

  it('refreshes 30 seconds ahead of expiry', async () => {
    const { browser } = await attemptLogin(app)
    skew = 300 - 29
    expect((await app.oauth.fetch(contextFor(browser, app), `${evil.url}/userinfo`)).status).toBe(200)
    expect(refreshes()).toBe(1)
  })

  it('returns other challenges (403 insufficient_scope) untouched, without refreshing', async () => {
    const { browser } = await attemptLogin(app)
    const response = await app.oauth.fetch(contextFor(browser, app), `${evil.url}/forbidden`)
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({ error: 'insufficient_scope' })
    expect(refreshes()).toBe(0)
  })

  it('raises ReauthenticationRequired when the token expired and there is no refresh token', async () => {
    evil.behaviour.tokenResponse = (body) => void delete body.refresh_token
    const { browser } = await attemptLogin(app)
    skew = 3600
    await expect(app.oauth.fetch(contextFor(browser, app), `${evil.url}/userinfo`)).rejects.toBeInstanceOf(ReauthenticationRequired)
  })

  it('is not_authenticated without a session', async () => {
    const { browser } = await attemptLogin(app)
    browser.jar.set('tessera-rp-session', 'nope')
    const error = await app.oauth.fetch(contextFor(browser, app), `${evil.url}/userinfo`).catch((reason: unknown) => reason)
    expect((error as ClientError).code).toBe('not_authenticated')
  })

  it('refuses to send the token over plain http to a non-loopback host', async () => {
    const { browser } = await attemptLogin(app)
    await expect(app.oauth.fetch(contextFor(browser, app), 'http://api.example.test/data')).rejects.toBeInstanceOf(ClientConfigError)
  })

  it('userinfo(ctx) checks the sub against the session (RP-12)', async () => {
    const { browser } = await attemptLogin(app)
    expect(await app.oauth.userinfo(contextFor(browser, app))).toMatchObject({ sub: 'evil-user-1' })
    evil.behaviour.userinfo = (body) => void (body.sub = 'someone-else')
    const error = await app.oauth.userinfo(contextFor(browser, app)).catch((reason: unknown) => reason)
    expect((error as ClientError).code).toBe('invalid_response')
  })
})
