/**
 * Driving the account pages like a browser over real HTTP: sign in through `/account` (→ login page → back),
 * find a form on a page by its action, and read the links of caught mail.
 */
import { Browser, type ParsedForm } from './http-client.js'
import type { SmtpSink } from './smtp-sink.js'

function decode(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

/** The form whose action ends with `suffix` (and, if given, carries the hidden `match` fields), with its hidden inputs. */
export function formFor(html: string, suffix: string, match: Record<string, string> = {}): ParsedForm {
  for (const block of html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/gi)) {
    const action = decode(block[1] ?? '')
    if (!action.endsWith(suffix)) continue
    const fields: Record<string, string> = {}
    for (const input of (block[2] ?? '').matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1]
      if (name) fields[decode(name)] = decode(/value="([^"]*)"/.exec(input[0])?.[1] ?? '')
    }
    if (Object.entries(match).every(([name, value]) => fields[name] === value)) return { action, fields }
  }
  throw new Error(`no form for ${suffix} on the page: ${html.slice(0, 400)}`)
}

/** Opens `/account`, signing in on the way when needed; the account page's HTML. */
export async function openAccount(base: string, browser: Browser, user: { username: string; password: string }): Promise<string> {
  let response = await browser.get(`${base}/account`)
  for (let step = 0; step < 8; step++) {
    if (response.status === 200) return response.text()
    const location = response.headers.get('location')
    if (response.status !== 303 || location === null) throw new Error(`unexpected ${response.status}: ${(await response.text()).slice(0, 300)}`)
    const next = new URL(location, base)
    if (next.pathname.startsWith('/interaction/')) {
      const page = await (await browser.get(next.href)).text()
      const form = formFor(page, '/login')
      response = await browser.post(form.action, { ...form.fields, username: user.username, password: user.password })
    } else {
      response = await browser.get(next.href)
    }
  }
  throw new Error('the account page was not reached')
}

/** Whether the browser's session still opens the account page (else it is sent to the login page). */
export async function signedIn(base: string, browser: Browser): Promise<boolean> {
  const response = await browser.get(`${base}/account`)
  if (response.status === 200) return true
  const location = response.headers.get('location') ?? ''
  if (response.status === 303 && location.includes('/authorize?')) return false
  throw new Error(`unexpected ${response.status} ${location}`)
}

/** Submits the account page form whose action ends with `suffix`. */
export async function submitAccountForm(base: string, browser: Browser, user: { username: string; password: string }, suffix: string, values: Record<string, string>, match: Record<string, string> = {}): Promise<Response> {
  const page = await openAccount(base, browser, user)
  const form = formFor(page, suffix, match)
  return browser.post(form.action, { ...form.fields, ...values })
}

/** The first link in the mail whose URL contains `path`. */
export function linkIn(body: string, path: string): string {
  const escaped = path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  const match = new RegExp(`https?://[^\\s"<>]*${escaped}[^\\s"<>]*`).exec(body)
  if (!match) throw new Error(`no ${path} link in the mail: ${body.slice(0, 600)}`)
  return match[0]
}

/** Asks for a reset link for `email` from a fresh browser; the answer. */
export async function askForReset(base: string, email: string, browser = new Browser()): Promise<Response> {
  const page = await (await browser.get(`${base}/account/password-reset`)).text()
  const form = formFor(page, '/account/password-reset')
  return browser.post(form.action, { ...form.fields, email })
}

/** The reset link of the next mail to `email`. */
export async function nextResetLink(sink: SmtpSink, email: string): Promise<string> {
  return linkIn((await sink.next(email)).body, '/account/password-reset/confirm?token=')
}

/** Opens a reset link and submits a new password; the answer (or the refusal of the link itself). */
export async function useResetLink(link: string, password: string, browser = new Browser()): Promise<Response> {
  const page = await browser.get(link)
  if (page.status !== 200) return page
  const form = formFor(await page.text(), '/confirm')
  return browser.post(form.action, { ...form.fields, new_password: password })
}
