import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTutorialApp, type TutorialAppOptions } from '../../examples/tutorial-app/app.js'
import { createClient } from '../../src/server/admin.js'
import { parseForm, type Browser } from '../helpers/http-client.js'
import type { TestServer, TestUser } from '../helpers/tessera.js'

/** The tutorial app on an ephemeral loopback port, registered at a test Tessera as the demo app is at the real one. */
export interface RunningTutorial {
  origin: string
  close(): Promise<void>
}

export const APP_SECRET = 'tutorial-app-secret-tutorial-app-secret-0123'

/**
 * Listens first (the port decides the app's URL and redirect URI), then registers a client for that URL and
 * builds the app. `configure` may replace any option (another issuer, a broken one).
 */
export async function startTutorial(server: TestServer, configure: (options: TutorialAppOptions) => TutorialAppOptions = (options) => options): Promise<RunningTutorial> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end()
  const http = createServer((req, res) => handle(req, res))
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const clientId = `tutorial-${(http.address() as AddressInfo).port}`
  const { clientSecret } = await createClient(server.store, {
    name: 'Tutorial app',
    clientId,
    redirectUris: [`${origin}/authorize`],
    postLogoutRedirectUris: [`${origin}/`],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'email', 'offline_access', 'notes:read'],
  }, Math.floor(Date.now() / 1000))
  const app = createTutorialApp(configure({
    appUrl: origin,
    secret: APP_SECRET,
    notesUrl: `${server.url}/api/notes`,
    provider: { name: 'tessera', preset: 'tessera', issuer: server.url, clientId, clientSecret: clientSecret ?? '', scope: 'openid profile email offline_access notes:read', allowInsecureLoopback: true },
  }))
  handle = app
  return {
    origin,
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections()
        http.close(() => resolve())
      }),
  }
}

/**
 * Plays a browser from the app's `/login` through Tessera's login and consent forms, and stops at the
 * redirect back to the app's callback (unfollowed), so a test can look at or replay it.
 */
export async function loginAtTessera(browser: Browser, origin: string, user: Pick<TestUser, 'username' | 'password'>, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  let response = await browser.get(`${origin}/login`)
  for (let step = 0; step < 8; step++) {
    const location = response.headers.get('location')
    if (response.status !== 303 || location === null) throw new Error(`expected a redirect, got ${response.status}: ${await response.text()}`)
    const next = new URL(location, origin)
    if (next.origin === origin) return next
    if (!next.pathname.startsWith('/interaction/')) {
      response = await browser.get(next.href)
      continue
    }
    const form = parseForm(await (await browser.get(next.href)).text())
    const answer: Record<string, string> = form.action.endsWith('/login') ? { username: user.username, password: user.password } : { decision }
    response = await browser.post(new URL(form.action, next).href, { ...form.fields, ...answer })
  }
  throw new Error('the login did not come back to the app')
}
