import { redirectResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import type { ServerContext } from '../context.js'
import { htmlResponse, languageOf } from '../pages.js'
import { html, renderAdminPage, type AdminNavItem, type SafeHtml } from '../../ui/index.js'
import { callAdminApi } from './api.js'
import {
  checkConsoleCsrfToken, completeSignIn, consoleAccessToken, consoleCsrfToken, currentConsoleSession, endConsoleSession, recentlyAuthenticated, safeReturnPath, signInRedirect,
  type ConsoleSession, type SignInFailure,
} from './sign-in.js'
import { CONSOLE_SECTIONS, type ConsolePage, type ConsoleRequest, type ConsoleResult, type ConsoleSection } from './types.js'

const SECTION_LABELS: Record<ConsoleSection, string> = { clients: 'Clients', users: 'Users', keys: 'Signing keys', audit: 'Audit trail', registration: 'Registration' }

interface CompiledPage {
  readonly page: ConsolePage
  readonly pattern: RegExp
  readonly names: readonly string[]
}

/** The console's routing table: each page's `{name}` segments as captures. */
export function compilePages(pages: readonly ConsolePage[]): readonly CompiledPage[] {
  return pages.map((page) => {
    const names = [...page.path.matchAll(/\{([A-Za-z_]+)\}/g)].map((match) => match[1] ?? '')
    const source = page.path.split(/\{[A-Za-z_]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('([^/]{1,768})')
    return { page, names, pattern: new RegExp(`^${source}$`) }
  })
}

function consoleUrl(ctx: ServerContext, path: string): string {
  return `${ctx.config.issuer}/admin${path}`
}

/** A console page in the frame: the navigation (sections that have a list page), the admin, the sign-out form. */
function framed(ctx: ServerContext, request: OAuthRequest, table: readonly CompiledPage[], input: { title: string; body: SafeHtml; status?: number; section?: ConsoleSection; session?: ConsoleSession; cookies?: (string | undefined)[] }): OAuthResponse {
  const session = input.session
  const nav: AdminNavItem[] = session === undefined
    ? []
    : CONSOLE_SECTIONS.filter((section) => table.some(({ page }) => page.method === 'GET' && page.path === `/${section}`))
      .map((section) => ({ label: SECTION_LABELS[section], href: consoleUrl(ctx, `/${section}`), current: section === input.section }))
  return htmlResponse(ctx, input.status ?? 200, (_pages, nonce, env) => renderAdminPage({
    title: input.title, body: input.body, nav, scriptUrl: consoleUrl(ctx, '/console.js'), productName: ctx.config.productName,
    ...(session ? { admin: { name: session.record.name, signOutAction: consoleUrl(ctx, '/sign-out'), csrfToken: consoleCsrfToken(ctx, session) } } : {}),
  }, nonce, env), { scripts: true, language: languageOf(ctx, request.headers), ...(input.cookies ? { cookies: input.cookies } : {}) })
}

/** A page of the frame itself (refusals, errors): fixed texts. */
export function framePage(ctx: ServerContext, request: OAuthRequest, status: number, title: string, message: string, options: { session?: ConsoleSession; links?: readonly { href: string; label: string }[]; cookies?: (string | undefined)[] } = {}): OAuthResponse {
  const links = options.links ?? []
  const body = html`<p>${message}</p>${links.length > 0 ? html`<p class="links">${links.map((link) => html`<a href="${link.href}">${link.label}</a> `)}</p>` : html``}`
  return framed(ctx, request, [], { title, body, status, ...(options.session ? { session: options.session } : {}), ...(options.cookies ? { cookies: options.cookies } : {}) })
}

const SIGN_IN_FAILURES: Record<SignInFailure, { status: number; title: string; message: string }> = {
  'no-sign-in': { status: 400, title: 'Sign-in not completed', message: 'This sign-in was not started in this browser, or it took too long. Open the console again to sign in.' },
  refused: { status: 403, title: 'Sign-in not completed', message: 'The sign-in was cancelled or refused.' },
  'no-second-factor': { status: 403, title: 'Second factor needed', message: 'The admin console needs a sign-in with a second factor. Set one up on your account page (two-step verification), then open the console again.' },
  'not-admin': { status: 403, title: 'Not an administrator', message: 'You are signed in, but you are not an administrator of this server. Ask an operator to name you in adminApi.admins.' },
  'exchange-failed': { status: 502, title: 'Sign-in not completed', message: 'The sign-in could not be completed. Open the console again to sign in.' },
}

/** The form of a POST as repeated-name-friendly search parameters (checkboxes repeat their name). */
function formOf(request: OAuthRequest): URLSearchParams | undefined {
  const type = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') return undefined
  try {
    return new URLSearchParams(request.body ? new TextDecoder('utf-8', { fatal: true }).decode(request.body) : '')
  } catch {
    return undefined
  }
}

/**
 * Same origin for every state change (ASVS 3.5.3): `Origin`, when sent, must be the issuer's; Fetch
 * Metadata, when sent, must say same-origin (under `Referrer-Policy: no-referrer` Chromium sends
 * `Origin: null` on same-origin posts). Then the session's CSRF token.
 */
function sameOrigin(ctx: ServerContext, headers: Headers): boolean {
  const site = headers.get('sec-fetch-site')
  if (site !== null && site !== 'same-origin') return false
  const origin = headers.get('origin')
  if (origin === 'null') return site === 'same-origin'
  return origin === null || origin === new URL(ctx.config.issuer).origin
}

/** What the operator chose for the console. */
export interface ConsoleSettings {
  /** Admins must sign in with a second factor (`acr` of the two-factor level). */
  readonly requireMfa: boolean
}

/** Everything below `/admin`: the frame's own routes, then the pages. */
export async function dispatch(ctx: ServerContext, request: OAuthRequest, path: string, table: readonly CompiledPage[], settings: ConsoleSettings): Promise<OAuthResponse> {
  const method = request.method === 'HEAD' ? 'GET' : request.method
  if (path === '/callback' && method === 'GET') {
    const done = await completeSignIn(ctx, request, settings.requireMfa)
    if (done.ok) return done.response
    const failure = SIGN_IN_FAILURES[done.reason]
    return framePage(ctx, request, failure.status, failure.title, failure.message, { links: done.reason === 'not-admin' ? [] : [{ href: consoleUrl(ctx, '/'), label: 'Open the console' }] })
  }
  if (path === '/signed-out' && method === 'GET') {
    return framePage(ctx, request, 200, 'Signed out', 'You are signed out of the admin console.', { links: [{ href: consoleUrl(ctx, '/'), label: 'Sign in again' }] })
  }
  if (ctx.urls.adminApi === undefined) {
    return framePage(ctx, request, 503, 'Admin console unavailable', 'The admin console is built on the admin API, which is not enabled on this server (adminApi).')
  }
  const session = await currentConsoleSession(ctx, request.headers)
  if (path === '/sign-out') {
    if (method !== 'POST') return methodNotAllowed(ctx, request, ['POST'])
    if (!session) return redirectResponse(consoleUrl(ctx, '/signed-out'))
    const form = formOf(request)
    if (!sameOrigin(ctx, request.headers) || !checkConsoleCsrfToken(ctx, session, form?.get('csrf_token') ?? undefined)) return forbidden(ctx, request, session)
    const cookie = await endConsoleSession(ctx, session)
    return redirectResponse(consoleUrl(ctx, '/signed-out'), { 'Set-Cookie': cookie })
  }
  if (path === '/' || path === '') {
    if (method !== 'GET') return methodNotAllowed(ctx, request, ['GET'])
    if (!session) return signInRedirect(ctx, request.headers, '/', settings)
    const first = CONSOLE_SECTIONS.find((section) => table.some(({ page }) => page.method === 'GET' && page.path === `/${section}`))
    return redirectResponse(consoleUrl(ctx, first ? `/${first}` : '/signed-out'))
  }
  const allowed: string[] = []
  for (const entry of table) {
    const found = entry.pattern.exec(path)
    if (!found) continue
    if (entry.page.method !== method) {
      allowed.push(entry.page.method)
      continue
    }
    const params: Record<string, string> = {}
    for (const [index, name] of entry.names.entries()) {
      try {
        params[name] = decodeURIComponent(found[index + 1] ?? '')
      } catch {
        return framePage(ctx, request, 404, 'Not found', 'There is no console page at this address.', session ? { session } : {})
      }
    }
    return runPage(ctx, request, entry, params, session, table, settings)
  }
  if (allowed.length > 0) return methodNotAllowed(ctx, request, allowed)
  return framePage(ctx, request, 404, 'Not found', 'There is no console page at this address.', session ? { session } : {})
}

function methodNotAllowed(ctx: ServerContext, request: OAuthRequest, allowed: string[]): OAuthResponse {
  const response = framePage(ctx, request, 405, 'Not allowed', 'This address does not take this kind of request.')
  response.headers.set('Allow', allowed.join(', '))
  return response
}

function forbidden(ctx: ServerContext, request: OAuthRequest, session: ConsoleSession): OAuthResponse {
  return framePage(ctx, request, 403, 'Request refused', 'The form could not be verified: it did not come from this console, or it is out of date. Reload the page and try again.', { session })
}

async function runPage(ctx: ServerContext, request: OAuthRequest, entry: CompiledPage, params: Record<string, string>, session: ConsoleSession | undefined, table: readonly CompiledPage[], settings: ConsoleSettings): Promise<OAuthResponse> {
  const { page } = entry
  const here = `${request.url.pathname.slice(ctx.config.basePath.length + '/admin'.length)}${request.url.search}`
  // Not signed in (or the access token expired, or sealed under a secret no longer configured): through
  // /authorize and back; a POST comes back to its page's GET.
  const token = session ? await consoleAccessToken(ctx, session) : undefined
  if (!session || token === undefined) return signInRedirect(ctx, request.headers, page.method === 'GET' ? here : request.url.pathname.slice(ctx.config.basePath.length + '/admin'.length), settings)
  let form = new URLSearchParams()
  if (page.method === 'POST') {
    const parsed = formOf(request)
    if (!parsed || !sameOrigin(ctx, request.headers) || !checkConsoleCsrfToken(ctx, session, parsed.get('csrf_token') ?? undefined)) return forbidden(ctx, request, session)
    form = parsed
  }
  const consoleRequest: ConsoleRequest = {
    ctx, request, params, form,
    admin: { sub: session.record.sub, name: session.record.name },
    csrfToken: consoleCsrfToken(ctx, session),
    query: page.method === 'GET' ? new URLSearchParams(request.url.search) : new URLSearchParams(),
    recentlyAuthenticated: recentlyAuthenticated(ctx, session),
    api: async (method, path, options) => {
      const answer = await callAdminApi(ctx, token, method, path, options)
      // The token was revoked (or the admin's grant): the console session ends, the next request signs in again.
      if (answer.status === 401) await endConsoleSession(ctx, session)
      return answer
    },
  }
  let result: ConsoleResult
  try {
    result = await page.handle(consoleRequest)
  } catch (error) {
    ctx.config.logger?.error({ err: error, path: request.url.pathname }, 'admin console: unhandled error')
    return framePage(ctx, request, 500, 'Something went wrong', 'The console could not complete this request. Try again.', { session })
  }
  switch (result.kind) {
    case 'page':
      return framed(ctx, request, table, { title: result.title, body: result.body, section: page.section, session, ...(result.status !== undefined ? { status: result.status } : {}) })
    case 'redirect':
      return redirectResponse(consoleUrl(ctx, safeReturnPath(result.to)))
    case 'fresh-auth':
      return signInRedirect(ctx, request.headers, result.returnTo, { ...settings, fresh: true })
  }
}
