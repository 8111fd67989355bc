/**
 * `tessera-oidc/adapters/hono-client`: `tessera-oidc/client` as Hono middleware.
 *
 * @module tessera-oidc/adapters/hono-client
 */
import type { Context, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import { createClientContext, type ClientContext, type ClientRedirect } from '../client/context.js'
import { formBody, redirectHeaders } from '../client/response.js'
import type { OAuth } from '../client/oauth.js'
import type { ClientUser } from '../client/user.js'
import type { BackchannelLogoutReceiverOptions } from '../client/backchannel-logout.js'
import { BodyTooLargeError, readBounded } from '../http/web.js'

/** Options of the Hono routes of `tessera-oidc/client`. */
export interface HonoClientOptions {
  /** Whether browsers reach the app over https; default from the request URL's scheme. */
  https?: boolean
}

/** What `tesseraClient` puts in `c.var`. */
export interface ClientVariables {
  /** This request's `ClientContext` for `oauth.*`; the cookies it collects are written after the handler. */
  clientContext: ClientContext
  /** The signed-in user of this request's session, or undefined. */
  currentUser: () => Promise<ClientUser | undefined>
}

/** The Hono environment of routes behind `tesseraClient`, e.g. `new Hono<ClientEnv>()`. */
export interface ClientEnv {
  Variables: ClientVariables
}

/** A `form_post` callback is a small form: a larger one is not read here. */
const FORM_LIMIT = 64 * 1024

/**
 * The form body's text, read from a clone so that the route (`c.req.parseBody()`) and
 * `honoBackchannelLogout` still get the request as sent; from Hono's copy if a middleware already read it.
 */
async function readForm(c: Context): Promise<string | undefined> {
  const raw = c.req.raw
  if (Number(raw.headers.get('content-length') ?? '0') > FORM_LIMIT) return undefined
  try {
    if (raw.bodyUsed) return await c.req.text()
    const bytes = await readBounded(raw.clone().body, FORM_LIMIT)
    return bytes === undefined ? '' : new TextDecoder().decode(bytes)
  } catch (error) {
    // An oversized callback carries no usable response: the callback then fails as one without parameters.
    if (error instanceof BodyTooLargeError) return undefined
    throw error
  }
}

async function contextFor(c: Context, options: HonoClientOptions): Promise<ClientContext> {
  const contentType = c.req.header('content-type')
  const text = c.req.method === 'POST' && contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded') ? await readForm(c) : undefined
  return createClientContext({
    method: c.req.method,
    url: c.req.url,
    headers: c.req.raw.headers,
    ...(options.https !== undefined ? { https: options.https } : {}),
    body: text === undefined ? undefined : formBody(contentType, text),
  })
}

/** Appends the context's cookies that the response does not carry yet (a route may have used `honoRedirect`). */
function writeCookies(c: Context, ctx: ClientContext): void {
  if (ctx.cookies.length === 0) return
  const written = new Set(c.res.headers.getSetCookie())
  for (const cookie of ctx.cookies) if (!written.has(cookie)) c.header('Set-Cookie', cookie, { append: true })
}

/**
 * Hono middleware for `tessera-oidc/client`: `c.var.clientContext` for `oauth.*` and `c.var.currentUser()`;
 * after the handler (or `app.onError`) has answered, the context's cookies are added to the response, so
 * no route can forget them.
 *
 * @example
 * ```ts
 * app.use(tesseraClient(oauth))
 * app.get('/login', async (c) => honoRedirect(c, await oauth.authorizeRedirect(c.var.clientContext, 'google', `${origin}/cb`)))
 * app.get('/me', async (c) => c.json((await c.var.currentUser()) ?? null))
 * ```
 */
export function tesseraClient(oauth: Pick<OAuth, 'currentUser'>, options: HonoClientOptions = {}): MiddlewareHandler<ClientEnv> {
  return createMiddleware<ClientEnv>(async (c, next) => {
    const ctx = await contextFor(c, options)
    c.set('clientContext', ctx)
    c.set('currentUser', () => oauth.currentUser(ctx))
    await next()
    writeCookies(c, ctx)
  })
}

/**
 * A `ClientContext` for a Hono request (the form body is read for `form_post` callbacks).
 *
 * @deprecated Use the `tesseraClient` middleware and `c.var.clientContext`, whose cookies are written for
 * you; removed in the next release.
 * @example
 * ```ts
 * app.get('/login', async (c) => {
 *   const ctx = await honoClientContext(c)
 *   return honoRedirect(c, ctx, await oauth.authorizeRedirect(ctx, 'google', `${origin}/cb`))
 * })
 * ```
 */
export async function honoClientContext(c: Context, options: HonoClientOptions = {}): Promise<ClientContext> {
  const body = c.req.method === 'POST' ? formBody(c.req.header('content-type'), await c.req.text()) : undefined
  return createClientContext({
    method: c.req.method,
    url: c.req.url,
    headers: c.req.raw.headers,
    ...(options.https !== undefined ? { https: options.https } : {}),
    body,
  })
}

/**
 * A 303 response with `Cache-Control: no-store` and `Referrer-Policy: no-referrer` (RFC 9700 §4.2.4) and the
 * context's cookies: `c.var.clientContext`'s behind `tesseraClient`, or those of the context given.
 *
 * @example return honoRedirect(c, await oauth.authorizeRedirect(c.var.clientContext, 'google', callbackUrl))
 */
export function honoRedirect(c: Context, redirect: ClientRedirect): Response
export function honoRedirect(c: Context, ctx: ClientContext, redirect: ClientRedirect): Response
export function honoRedirect(c: Context, ctxOrRedirect: ClientContext | ClientRedirect, given?: ClientRedirect): Response {
  const ctx = given ? (ctxOrRedirect as ClientContext) : ((c as Context<ClientEnv>).var.clientContext as ClientContext | undefined)
  const redirect = given ?? (ctxOrRedirect as ClientRedirect)
  if (!ctx) throw new TypeError('honoRedirect(c, redirect) needs the tesseraClient middleware; without it pass the context: honoRedirect(c, ctx, redirect)')
  return new Response(null, { status: redirect.status, headers: redirectHeaders(ctx, redirect) })
}

/**
 * Adds the context's cookies to whatever response the handler returns next (`c.json`, `c.html`, …).
 *
 * @deprecated The `tesseraClient` middleware writes them after the handler; removed in the next release.
 */
export function applyHonoCookies(c: Context, ctx: ClientContext): void {
  for (const cookie of ctx.cookies) c.header('Set-Cookie', cookie, { append: true })
}

/**
 * The back-channel logout route (OpenID Connect Back-Channel Logout 1.0 §2.5): hands the request to
 * `oauth.backchannelLogout`, which answers it whole (200, 400, 405, 413).
 *
 * @example app.post('/backchannel-logout', honoBackchannelLogout(oauth))
 */
export function honoBackchannelLogout(oauth: Pick<OAuth, 'backchannelLogout'>, options?: BackchannelLogoutReceiverOptions): (c: Context) => Promise<Response> {
  return async (c) => {
    const raw = c.req.raw
    // A middleware (tesseraClient, or the app's own) may have read the form through c.req, which kept a copy.
    const request = raw.bodyUsed ? new Request(raw.url, { method: raw.method, headers: raw.headers, body: await c.req.text() }) : raw
    return oauth.backchannelLogout(request, options)
  }
}
