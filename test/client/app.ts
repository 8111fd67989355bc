import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import { applyHonoCookies, honoClientContext, honoRedirect } from '../../src/adapters/hono-client.js'
import { createClient } from '../../src/server/admin.js'
import { isClientError, type ClientError } from '../../src/client/errors.js'
import type { OAuth } from '../../src/client/oauth.js'
import { parseForm, type Browser } from '../helpers/http-client.js'
import type { TestServer, TestUser } from '../helpers/tessera.js'

/**
 * A small relying-party app on Hono for the client tests: `/login/:provider`, `/cb/:provider` (GET and POST
 * for form_post), `/me`, `/userinfo`, `/logout`. Errors render the stable code, escaped.
 */
export interface TestApp {
  origin: string
  oauth: OAuth
  /** Every ClientError the routes caught, newest last (operator detail included). */
  errors: ClientError[]
  redirectUri(provider: string): string
  close(): Promise<void>
}

const escape = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function routes(app: Hono, oauth: () => OAuth, origin: () => string, errors: ClientError[]): void {
  app.get('/login/:provider', async (c) => {
    const ctx = await honoClientContext(c)
    const provider = c.req.param('provider')
    try {
      const redirect = await oauth().authorizeRedirect(ctx, provider, `${origin()}/cb/${provider}`, { returnTo: c.req.query('returnTo') ?? '/' })
      return honoRedirect(c, ctx, redirect)
    } catch (error) {
      if (!isClientError(error)) throw error
      errors.push(error)
      return c.html(`<p id="error">${escape(error.code)}</p>`, 400)
    }
  })
  app.on(['GET', 'POST'], '/cb/:provider', async (c) => {
    const ctx = await honoClientContext(c)
    try {
      const { returnTo } = await oauth().authorizeAccessToken(ctx, c.req.param('provider'))
      return honoRedirect(c, ctx, { status: 303, location: returnTo })
    } catch (error) {
      if (!isClientError(error)) throw error
      errors.push(error)
      applyHonoCookies(c, ctx)
      c.header('Cache-Control', 'no-store')
      return c.html(`<p id="error">${escape(error.code)}</p><p>${escape(error.description)}</p>`, 400)
    }
  })
  app.get('/me', async (c) => {
    const user = await oauth().currentUser(await honoClientContext(c))
    return user ? c.json(user) : c.json({ error: 'not_authenticated' }, 401)
  })
  app.get('/userinfo', async (c) => c.json(await oauth().userinfo(await honoClientContext(c))))
  app.post('/logout', async (c) => {
    const ctx = await honoClientContext(c)
    const result = await oauth().logout(ctx, { postLogoutRedirectUri: `${origin()}/logged-out` })
    return honoRedirect(c, ctx, { status: 303, location: result.location ?? '/' })
  })
}

/** Starts the app on an ephemeral port; `setup` builds the OAuth instance once the origin is known. */
export async function startTestApp(setup: (origin: string) => OAuth | Promise<OAuth>): Promise<TestApp> {
  const app = new Hono()
  const state: { oauth?: OAuth; origin: string } = { origin: '' }
  const errors: ClientError[] = []
  routes(app, () => state.oauth as OAuth, () => state.origin, errors)
  const { http, port } = await new Promise<{ http: ServerType; port: number }>((resolve) => {
    const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ http, port: info.port }))
  })
  const origin = `http://127.0.0.1:${port}`
  state.origin = origin
  const oauth = await setup(origin)
  state.oauth = oauth
  return {
    origin,
    oauth,
    errors,
    redirectUri: (provider) => `${origin}/cb/${provider}`,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  }
}

/** Registers an OIDC client at the Tessera test server for this app's callback. */
export async function registerAtTessera(server: TestServer, clientId: string, redirectUris: string[], postLogoutRedirectUris: string[] = []): Promise<string> {
  const { clientSecret } = await createClient(
    server.store,
    { name: `RP ${clientId}`, clientId, authMethod: 'client_secret_basic', redirectUris, postLogoutRedirectUris, grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'email', 'offline_access', 'notes:read'] },
    Math.floor(Date.now() / 1000),
  )
  return clientSecret ?? ''
}

/**
 * Plays the browser from the app's login route through the provider (login and consent forms at Tessera,
 * or the evil provider's immediate answer) and stops at the redirect back to the app's callback, unfollowed.
 */
export async function startLogin(browser: Browser, app: TestApp, provider: string, options: { returnTo?: string; user?: TestUser; decision?: 'allow' | 'deny' } = {}): Promise<URL> {
  const query = options.returnTo !== undefined ? `?returnTo=${encodeURIComponent(options.returnTo)}` : ''
  let response = await browser.get(`${app.origin}/login/${provider}${query}`)
  for (let step = 0; step < 8; step++) {
    const location = response.headers.get('location')
    if (response.status !== 303 || location === null) throw new Error(`expected a redirect, got ${response.status}: ${await response.text()}`)
    const next = new URL(location)
    if (next.origin === app.origin) return next
    if (!next.pathname.startsWith('/interaction/')) {
      response = await browser.get(next.href)
      continue
    }
    const form = parseForm(await (await browser.get(next.href)).text())
    const user = options.user
    const answer: Record<string, string> = form.action.endsWith('/login')
      ? { username: user?.username ?? 'alice', password: user?.password ?? 'alice-password' }
      : { decision: options.decision ?? 'allow' }
    response = await browser.post(new URL(form.action, next).href, { ...form.fields, ...answer })
  }
  throw new Error('login did not come back to the app')
}

/** Full login: start, then follow the callback; returns the app's answer to the callback. */
export async function login(browser: Browser, app: TestApp, provider: string, options: Parameters<typeof startLogin>[3] = {}): Promise<Response> {
  const callback = await startLogin(browser, app, provider, options)
  return browser.get(callback.href)
}
