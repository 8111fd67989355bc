/**
 * Driving the admin console like a browser over real HTTP: a test server with the admin API (alice named
 * an admin) and the console, sign-in through `/admin` (→ login page → callback → back), and the forms of
 * console pages.
 */
import { adminApi } from '../../src/server/admin-api/index.js'
import { adminConsole } from '../../src/server/admin-console/index.js'
import type { Capability } from '../../src/server/context.js'
import type { Lifetimes } from '../../src/server/settings.js'
import { formFor } from './account.js'
import { Browser } from './http-client.js'
import { startTestServer, type TestServer } from './tessera.js'

export { formFor }

/** The test server with `adminApi({ admins: ['alice'] })` and the console (or `console`, a console with other pages). */
export async function startConsoleServer(options: { console?: Capability; lifetimes?: Partial<Lifetimes> } = {}): Promise<TestServer> {
  return startTestServer({ store: 'memory', capabilities: [adminApi({ admins: ['alice'] }), options.console ?? adminConsole()], ...(options.lifetimes ? { lifetimes: options.lifetimes } : {}) })
}

/** Follows the console's sign-in from `path` (below /admin) through the login page; the last response (the console page, or a refusal). */
export async function openConsole(base: string, browser: Browser, user: { username: string; password: string }, path = '/'): Promise<Response> {
  let response = await browser.get(`${base}/admin${path}`)
  for (let step = 0; step < 10; step++) {
    if (response.status !== 303) return response
    const location = response.headers.get('location')
    if (location === null) throw new Error('a redirect without Location')
    const next = new URL(location, base)
    if (next.pathname.startsWith('/interaction/')) {
      const page = await (await browser.get(next.href)).text()
      const form = formFor(page, '/login')
      response = await browser.post(form.action, { ...form.fields, username: user.username, password: user.password })
    } else {
      response = await browser.get(next.href)
    }
  }
  throw new Error('the console was not reached')
}

/** A browser signed in to the console as `user` (an admin). */
export async function consoleBrowser(server: TestServer, user = server.users.alice): Promise<Browser> {
  const browser = new Browser()
  const response = await openConsole(server.url, browser, user)
  if (response.status !== 200) throw new Error(`the console answered ${response.status}: ${(await response.text()).slice(0, 300)}`)
  return browser
}

/** Opens a console page and submits its form whose action ends with `suffix`, with `values`. */
export async function submitConsoleForm(server: TestServer, browser: Browser, path: string, suffix: string, values: Record<string, string | string[]>): Promise<Response> {
  const page = await (await browser.get(`${server.url}/admin${path}`)).text()
  const form = formFor(page, suffix)
  return postForm(browser, form.action, { ...form.fields, ...values })
}

/** A form POST with repeated names (checkboxes). */
export async function postForm(browser: Browser, url: string, values: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams()
  for (const [name, value] of Object.entries(values)) for (const entry of Array.isArray(value) ? value : [value]) body.append(name, entry)
  const response = await fetch(url, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: browser.jar.header(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: body.toString(),
  })
  browser.jar.store(response)
  return response
}

/** The console's CSRF token, read from a page's sign-out form. */
export function csrfTokenOf(page: string): string {
  const token = /name="csrf_token" value="([^"]+)"/.exec(page)?.[1]
  if (!token) throw new Error('no csrf_token on the page')
  return token
}
