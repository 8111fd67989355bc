import { createClientContext, type ClientContext } from '../../src/client/context.js'
import type { LoginResult } from '../../src/client/login.js'
import type { Browser } from '../helpers/http-client.js'
import { startLogin, type TestApp } from './app.js'

/** Records every provider request an OAuth instance makes, then forwards it. */
export interface RecordingFetch {
  fetch: typeof fetch
  calls: { url: string; method: string; body: string }[]
  /** Token endpoint calls with this grant type. */
  grants(grantType: string): number
}

export function recordingFetch(): RecordingFetch {
  const calls: RecordingFetch['calls'] = []
  return {
    calls,
    fetch: async (input, init) => {
      calls.push({ url: String(input), method: init?.method ?? 'GET', body: init?.body === undefined || init.body === null ? '' : String(init.body as unknown) })
      return fetch(input, init)
    },
    grants: (grantType) => calls.filter((call) => call.url.endsWith('/token') && new URLSearchParams(call.body).get('grant_type') === grantType).length,
  }
}

/** A `Cookie` header from `Set-Cookie` values (names and values only). */
export function cookieHeader(setCookies: string[]): string {
  return setCookies.map((cookie) => cookie.split(';')[0] ?? '').filter((pair) => !pair.endsWith('=')).join('; ')
}

/** A context as the app would build it for a request from this browser. */
export function contextFor(browser: Browser, app: TestApp, path = '/'): ClientContext {
  return createClientContext({ url: `${app.origin}${path}`, headers: { cookie: browser.jar.header() } })
}

/**
 * Logs in by calling `authorizeAccessToken` directly (not through the app's callback route) to see the
 * tokens; the browser's jar receives the session cookie.
 */
export async function loginDirect(browser: Browser, app: TestApp, provider: string): Promise<LoginResult> {
  const callback = await startLogin(browser, app, provider)
  const ctx = createClientContext({ url: callback, headers: { cookie: browser.jar.header() } })
  const result = await app.oauth.authorizeAccessToken(ctx, provider)
  for (const cookie of ctx.cookies) {
    const [pair = ''] = cookie.split(';')
    const index = pair.indexOf('=')
    browser.jar.set(pair.slice(0, index), pair.slice(index + 1))
  }
  return result
}

