import { expect } from 'vitest'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth, type OAuthOptions } from '../../src/client/oauth.js'
import type { ProviderRegistration } from '../../src/client/provider.js'
import { Browser } from '../helpers/http-client.js'
import { login, startTestApp, type TestApp } from './app.js'
import type { EvilProvider } from './evil-provider.js'

export const RP_SECRET = 'evil-rp-secret-0123456789-abcdefghijklmn'

/** An app whose provider `evil` (and any `extra` ones) point at the evil provider. */
export async function startEvilRp(evil: EvilProvider, registration: Partial<ProviderRegistration> = {}, options: Partial<OAuthOptions> = {}, extra: string[] = []): Promise<TestApp> {
  return startTestApp(() => {
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: RP_SECRET, logger: { warn: () => undefined, info: () => undefined }, ...options })
    for (const name of ['evil', ...extra]) {
      oauth.register({ name, issuer: evil.url, allowInsecureLoopback: true, clientId: evil.clientId, clientSecret: evil.clientSecret, scope: 'openid email profile', ...registration } as ProviderRegistration)
    }
    return oauth
  })
}

export interface Attempt {
  response: Response
  body: string
  browser: Browser
}

export async function attemptLogin(app: TestApp, provider = 'evil', returnTo?: string): Promise<Attempt> {
  const browser = new Browser()
  const response = await login(browser, app, provider, returnTo !== undefined ? { returnTo } : {})
  return { response, body: await response.text(), browser }
}

/** The login failed with `code` and created no session. */
export async function expectRejected(app: TestApp, attempt: Attempt, code: string, detail?: RegExp): Promise<void> {
  expect(attempt.response.status, attempt.body).toBe(400)
  expect(attempt.body).toContain(`<p id="error">${code}</p>`)
  if (detail) expect(app.errors.at(-1)?.detail).toMatch(detail)
  if (process.env.SHOW_RP_ERRORS) console.log(code, app.errors.at(-1)?.detail)
  expect((await attempt.browser.get(`${app.origin}/me`)).status).toBe(401)
}

export async function expectLoggedIn(app: TestApp, attempt: Attempt): Promise<void> {
  expect(attempt.response.status, attempt.body).toBe(303)
  expect((await attempt.browser.get(`${app.origin}/me`)).status).toBe(200)
}
