import { BodyTooLargeError, readBounded } from '../http/web.js'
import type { BackchannelLogoutReceiverOptions } from './backchannel-logout.js'
import { createClientContext, type ClientContext, type ClientRedirect } from './context.js'
import { endpointProblem } from './endpoints.js'
import { ClientConfigError, ClientError, type ClientErrorCode } from './errors.js'
import type { OAuth } from './oauth.js'
import type { ResourceRequestInit } from './resource.js'
import { formBody, redirectHeaders } from './response.js'
import type { ClientUser } from './user.js'

/** Options of `clientRoutes`: where the app is, which providers it logs in with, and where the routes live. */
export interface ClientRoutesOptions {
  /**
   * Where browsers reach the app (`https://app.example`; http only on loopback). Redirect URIs are built from
   * it, never from the request's `Host`, and its scheme decides `Secure` cookies behind a TLS-terminating proxy.
   */
  appUrl: string | URL
  /** Registered provider names the routes log in with; the first is the default of `{basePath}/login`. */
  providers: readonly [string, ...string[]]
  /** Path below which the routes live; default `/auth`. */
  basePath?: string
  /**
   * Where the provider sends the browser after its logout; register it there as a `post_logout_redirect_uri`
   * (RP-Initiated Logout §3). Default `{appUrl origin}/`.
   */
  postLogoutRedirectUri?: string
  /** The back-channel logout route's options (`provider`, `onLogout`). */
  backchannelLogout?: BackchannelLogoutReceiverOptions
  /**
   * The answer to a failed sign-in (`access_denied`, a replayed callback, an unreachable provider…);
   * default a small HTML page with the error's user-safe description. The routes add their cookies to it.
   */
  onError?: (error: ClientError, request: Request) => Response | Promise<Response>
}

/** A route handler on Web-standard values: what Next.js, Hono, Bun, Deno and `server.fetch` hosts call. */
export type ClientRouteHandler = (request: Request) => Promise<Response>

/**
 * The relying party's routes below `basePath` (default `/auth`):
 *
 * | route | method | what |
 * | --- | --- | --- |
 * | `/login[/{provider}]?returnTo=/path` | GET | starts the login; `returnTo` must be on the app's origin |
 * | `/callback/{provider}` | GET, POST | the redirect URI (`POST` for `response_mode=form_post`) |
 * | `/logout` | POST | ends the session here and at the provider (RP-initiated logout) |
 * | `/backchannel-logout` | POST | the provider's logout tokens (Back-Channel Logout 1.0) |
 */
export interface ClientRoutes {
  /** Every route, chosen by path: the handler of a catch-all route (`/auth/*`); 404 for other paths. */
  handle: ClientRouteHandler
  /** The login route alone (for hosts that route per path); mounted outside `basePath`, it logs in at the first provider. */
  login: ClientRouteHandler
  /** The callback route alone; its URL must stay `callbackUrl(provider)`, the redirect URI registered at the provider. */
  callback: ClientRouteHandler
  /** The logout route alone. */
  logout: ClientRouteHandler
  /** The back-channel logout route alone. */
  backchannelLogout: ClientRouteHandler
  /** The redirect URI to register at `provider` (default: the first): `{appUrl}{basePath}/callback/{provider}`. */
  callbackUrl(provider?: string): string
  /** The session of a request to the app, read with the routes' cookie settings. */
  session(request: Request): Promise<ClientSession | undefined>
  /** The session of a `Cookie` header (what a framework's cookie store gives), read with the routes' cookie settings. */
  sessionFromCookies(cookieHeader: string | null | undefined): Promise<ClientSession | undefined>
}

/** A live session read from a request: the user, and calls made with the session's tokens. */
export interface ClientSession {
  user: ClientUser
  /** `oauth.fetch` for this session: the access token (refreshed ahead of expiry) sent to a protected resource. */
  fetch(url: string | URL, init?: ResourceRequestInit): Promise<Response>
  /** The request's context, for the other session functions (`oauth.userinfo`, `oauth.refreshToken`, …). */
  context: ClientContext
}

type RouteName = 'login' | 'callback' | 'logout' | 'backchannel-logout'

const ROUTES: Record<RouteName, readonly string[]> = { login: ['GET'], callback: ['GET', 'POST'], logout: ['POST'], 'backchannel-logout': ['POST'] }

const BODY_LIMIT = 64 * 1024

const STATUS: Partial<Record<ClientErrorCode, number>> = {
  access_denied: 403,
  provider_unreachable: 503,
  provider_rejected: 502,
  invalid_response: 502,
  provider_misconfigured: 502,
  unknown_provider: 404,
  not_authenticated: 401,
  reauthentication_required: 401,
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The callback URL carries the code: no referrer, no script, no framing.
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
} as const

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function errorPage(error: ClientError, loginPath: string): Response {
  const title = error.code === 'access_denied' ? 'Sign-in cancelled' : 'Sign-in failed'
  const html = `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${escapeHtml(error.description)}</p><p><a href="${escapeHtml(loginPath)}">Sign in again</a></p></html>`
  return new Response(html, { status: STATUS[error.code] ?? 400, headers: PAGE_HEADERS })
}

function plain(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers } })
}

/** A copy of `response` carrying the context's cookies (a `Response` from `fetch` or `Response.redirect` has immutable headers). */
function withCookies(ctx: ClientContext, response: Response): Response {
  if (ctx.cookies.length === 0) return response
  const headers = new Headers(response.headers)
  for (const cookie of ctx.cookies) headers.append('set-cookie', cookie)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

function redirect(ctx: ClientContext, to: ClientRedirect): Response {
  return new Response(null, { status: to.status, headers: redirectHeaders(ctx, to) })
}

/** The form body of a POST, bounded; an oversized one carries no usable response, so it reads as none. */
async function readForm(request: Request): Promise<URLSearchParams | undefined> {
  if (request.method !== 'POST') return undefined
  if (Number(request.headers.get('content-length') ?? '0') > BODY_LIMIT) return undefined
  try {
    const bytes = await readBounded(request.body, BODY_LIMIT)
    return formBody(request.headers.get('content-type'), new TextDecoder().decode(bytes ?? new Uint8Array()))
  } catch (error) {
    if (error instanceof BodyTooLargeError) return undefined
    throw error
  }
}

function normalizeBasePath(value: string | undefined): string {
  const path = value ?? '/auth'
  if (!/^(\/[A-Za-z0-9._~-]+)*\/?$/.test(path)) throw new ClientConfigError(`clientRoutes: basePath must be a path like /auth, not ${JSON.stringify(path)}`)
  return path.replace(/\/$/, '')
}

function checkedAppUrl(value: string | URL): URL {
  const href = typeof value === 'string' ? value : value.href
  const problem = endpointProblem(href, true)
  if (problem) throw new ClientConfigError(`clientRoutes: appUrl ${problem}`)
  return new URL(href)
}

/**
 * The `returnTo` of a login link as a path on the app: a relative path, or an absolute URL on the app's own
 * origin reduced to its path. Anything else is left to `authorizeRedirect`, whose `safeReturnTo` turns it
 * into `/` (RFC 9700 §4.11.1: no open redirector; catalogue RP-15).
 */
function sameOriginPath(value: string | null, origin: string): string | undefined {
  if (value === null) return undefined
  if (!value.startsWith(`${origin}/`)) return value
  const url = new URL(value)
  return `${url.pathname}${url.search}${url.hash}`
}

/**
 * A request that changes state on behalf of a signed-in browser must come from the app's own pages: a
 * cross-site form could otherwise sign the user out. Browsers send `Origin` on every POST and
 * `Sec-Fetch-Site` on every request; either naming another site refuses it.
 */
function crossSite(request: Request, origin: string): boolean {
  const from = request.headers.get('origin')
  if (from !== null && from !== origin) return true
  const site = request.headers.get('sec-fetch-site')
  return site === 'cross-site' || site === 'same-site'
}

/** The session of `ctx`, or undefined: `oauth.currentUser` plus the calls bound to it. */
async function sessionOf(oauth: Pick<OAuth, 'currentUser' | 'fetch'>, ctx: ClientContext): Promise<ClientSession | undefined> {
  const user = await oauth.currentUser(ctx)
  if (!user) return undefined
  return { user, context: ctx, fetch: (url, init) => oauth.fetch(ctx, url, init) }
}

/**
 * The signed-in session of a Web-standard `Request`, or undefined. Cookies get the `__Host-` prefix over
 * https, so pass `https` behind a TLS-terminating proxy (the request's own URL then says http).
 *
 * @example
 * ```ts
 * const session = await sessionFromRequest(oauth, request, { https: true })
 * if (!session) return Response.redirect(new URL('/auth/login', request.url), 303)
 * ```
 */
export function sessionFromRequest(oauth: Pick<OAuth, 'currentUser' | 'fetch'>, request: Request, options: { https?: boolean } = {}): Promise<ClientSession | undefined> {
  return sessionOf(oauth, createClientContext({ method: request.method, url: request.url, headers: request.headers, ...(options.https !== undefined ? { https: options.https } : {}) }))
}

/**
 * The signed-in session of a `Cookie` header, or undefined: for hosts that hand over cookies but no
 * `Request` (Next.js server components, a WebSocket upgrade). `https` must match how the app is served.
 *
 * @example
 * ```ts
 * const session = await sessionFromCookieHeader(oauth, (await headers()).get('cookie'), { https: true })
 * ```
 */
export function sessionFromCookieHeader(oauth: Pick<OAuth, 'currentUser' | 'fetch'>, cookieHeader: string | null | undefined, options: { https: boolean }): Promise<ClientSession | undefined> {
  const headers = new Headers()
  if (cookieHeader) headers.set('cookie', cookieHeader)
  return sessionOf(oauth, createClientContext({ url: '/', headers, https: options.https }))
}

/**
 * The relying party's login, callback, logout and back-channel logout routes as Web-standard handlers
 * (`Request` in, `Response` out, cookies set on the response), built on `authorizeRedirect`,
 * `authorizeAccessToken`, `logout` and `backchannelLogout`. Register `callbackUrl(provider)` as the redirect
 * URI at each provider: one per provider, so a response can only complete a login at the provider it
 * was started with (RFC 9700 §4.4.2, mix-up).
 *
 * @example
 * ```ts
 * const routes = clientRoutes(oauth, { appUrl: 'https://app.example', providers: ['tessera'] })
 * // any Web-standard host: /auth/* → routes.handle(request)
 * const session = await routes.session(request) // { user, fetch, context } or undefined
 * ```
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html
 */
export function clientRoutes(oauth: OAuth, options: ClientRoutesOptions): ClientRoutes {
  const appUrl = checkedAppUrl(options.appUrl)
  const https = appUrl.protocol === 'https:'
  const basePath = normalizeBasePath(options.basePath)
  const providers: readonly string[] = options.providers
  if (providers.length === 0) throw new ClientConfigError('clientRoutes: providers must name at least one registered provider')
  const defaultProvider = providers[0] as string
  const postLogoutRedirectUri = options.postLogoutRedirectUri ?? `${appUrl.origin}/`
  const postLogoutProblem = endpointProblem(postLogoutRedirectUri, true)
  if (postLogoutProblem) throw new ClientConfigError(`clientRoutes: postLogoutRedirectUri ${postLogoutProblem}`)
  const callbackUrl = (provider = defaultProvider): string => `${appUrl.origin}${basePath}/callback/${encodeURIComponent(provider)}`

  const contextOf = async (request: Request): Promise<ClientContext> =>
    createClientContext({ method: request.method, url: request.url, headers: request.headers, https, body: await readForm(request) })

  async function failed(ctx: ClientContext, request: Request, error: unknown): Promise<Response> {
    if (!(error instanceof ClientError)) throw error
    // The spent transaction cookie is cleared on failure too.
    return withCookies(ctx, options.onError ? await options.onError(error, request) : errorPage(error, `${basePath}/login`))
  }

  /** The route a path names below `basePath`, with the provider segment of `/login/{p}` and `/callback/{p}`. */
  function route(request: Request): { name: RouteName; provider: string | undefined } | undefined {
    const path = new URL(request.url).pathname
    if (!path.startsWith(`${basePath}/`)) return undefined
    const [name, provider, ...rest] = path.slice(basePath.length + 1).split('/')
    if (rest.length > 0 || !name || !Object.hasOwn(ROUTES, name)) return undefined
    if (provider !== undefined && name !== 'login' && name !== 'callback') return undefined
    if (provider === undefined) return { name: name as RouteName, provider: undefined }
    try {
      return { name: name as RouteName, provider: decodeURIComponent(provider) }
    } catch {
      return undefined // a malformed %-escape names no provider
    }
  }

  async function login(request: Request, provider: string): Promise<Response> {
    const ctx = await contextOf(request)
    const returnTo = sameOriginPath(ctx.url.searchParams.get('returnTo'), appUrl.origin)
    try {
      return redirect(ctx, await oauth.authorizeRedirect(ctx, provider, callbackUrl(provider), returnTo === undefined ? {} : { returnTo }))
    } catch (error) {
      return failed(ctx, request, error)
    }
  }

  async function callback(request: Request, provider: string): Promise<Response> {
    const ctx = await contextOf(request)
    try {
      const { returnTo } = await oauth.authorizeAccessToken(ctx, provider)
      return redirect(ctx, { status: 303, location: returnTo })
    } catch (error) {
      return failed(ctx, request, error)
    }
  }

  async function logout(request: Request): Promise<Response> {
    if (crossSite(request, appUrl.origin)) return plain(403, 'Cross-site logout refused')
    const ctx = await contextOf(request)
    try {
      const { location } = await oauth.logout(ctx, { postLogoutRedirectUri })
      return redirect(ctx, { status: 303, location: location ?? postLogoutRedirectUri })
    } catch (error) {
      // The local session ended before the provider was asked: an unreachable provider still signs the user out here.
      if (!(error instanceof ClientError)) throw error
      return redirect(ctx, { status: 303, location: postLogoutRedirectUri })
    }
  }

  async function dispatch(request: Request, only?: RouteName): Promise<Response> {
    const found = route(request)
    // A handler mounted on its own path (not below basePath) serves its route with the default provider.
    const target = found ?? (only ? { name: only, provider: undefined } : undefined)
    if (!target || (only && target.name !== only)) return plain(404, 'Not found')
    const methods = ROUTES[target.name]
    if (!methods.includes(request.method)) return plain(405, 'Method not allowed', { allow: methods.join(', ') })
    const provider = target.provider ?? defaultProvider
    if (!providers.includes(provider)) return plain(404, 'Unknown provider')
    switch (target.name) {
      case 'login':
        return login(request, provider)
      case 'callback':
        return callback(request, provider)
      case 'logout':
        return logout(request)
      case 'backchannel-logout':
        return oauth.backchannelLogout(request, options.backchannelLogout)
    }
  }

  return {
    handle: (request) => dispatch(request),
    login: (request) => dispatch(request, 'login'),
    callback: (request) => dispatch(request, 'callback'),
    logout: (request) => dispatch(request, 'logout'),
    backchannelLogout: (request) => dispatch(request, 'backchannel-logout'),
    callbackUrl,
    session: (request) => sessionFromRequest(oauth, request, { https }),
    sessionFromCookies: (cookieHeader) => sessionFromCookieHeader(oauth, cookieHeader, { https }),
  }
}

