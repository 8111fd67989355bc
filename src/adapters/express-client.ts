/**
 * `tessera-oidc/adapters/express-client`: `tessera-oidc/client` as Express middleware.
 * `app.use(tesseraClient(oauth))` puts the relying party's context on every request (`req.clientContext`,
 * `req.currentUser()`) and writes its cookies with whatever response the route sends.
 *
 * @module tessera-oidc/adapters/express-client
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http'
import { createClientContext, redirectTo, type ClientContext, type ClientRedirect } from '../client/context.js'
import { formBody, redirectHeaders } from '../client/response.js'
import type { OAuth } from '../client/oauth.js'
import type { ClientUser } from '../client/user.js'
import type { BackchannelLogoutReceiverOptions } from '../client/backchannel-logout.js'
import { readBodyStream, readNodeBody } from '../http/node.js'
import { BodyTooLargeError } from '../http/web.js'
import { formObject, mayCarryFormToken } from '../resource/adapter-support.js'

declare module 'express-serve-static-core' {
  interface Request {
    /**
     * The relying party's context of this request, for `oauth.authorizeRedirect(req.clientContext, …)`,
     * `oauth.currentUser(req.clientContext)` and the rest; set by `app.use(tesseraClient(oauth))`, which also
     * writes the cookies it collects. Undefined on routes the middleware does not run for.
     */
    clientContext: ClientContext
    /** The signed-in user of this request's session, or undefined (set by `app.use(tesseraClient(oauth))`). */
    currentUser: () => Promise<ClientUser | undefined>
  }
}

/** Options of the Express routes of `tessera-oidc/client`. */
export interface ExpressClientOptions {
  /** Whether browsers reach the app over https; default `req.secure` (honours Express's `trust proxy`). */
  https?: boolean
}

const BODY_LIMIT = 64 * 1024

async function readForm(req: Request): Promise<URLSearchParams | undefined> {
  if (req.method !== 'POST') return undefined
  const parsed: unknown = req.body
  if (parsed && typeof parsed === 'object') return new URLSearchParams(parsed as Record<string, string>)
  if (typeof parsed === 'string') return formBody(req.get('content-type'), parsed)
  if (req.readableEnded) return undefined
  let body: Uint8Array
  try {
    body = await readBodyStream(req, BODY_LIMIT)
  } catch (error) {
    // An oversized callback body carries no usable response: the callback then fails as one without parameters.
    if (error instanceof BodyTooLargeError) return undefined
    throw error
  }
  return formBody(req.get('content-type'), new TextDecoder().decode(body))
}

/**
 * A `ClientContext` for an Express request (behind `tesseraClient(oauth)`, `req.clientContext` itself). Only the
 * path and query of the URL are read; the form body of a `form_post` callback is taken from
 * `express.urlencoded()` when used, else read here.
 *
 * @deprecated Use `app.use(tesseraClient(oauth))` and `req.clientContext`, whose cookies are written for you;
 * removed in the next release.
 * @example
 * ```ts
 * app.get('/login', async (req, res) => {
 *   const ctx = await expressClientContext(req)
 *   sendExpressRedirect(res, ctx, await oauth.authorizeRedirect(ctx, 'google', 'https://app.example/cb'))
 * })
 * ```
 */
export async function expressClientContext(req: Request, options: ExpressClientOptions = {}): Promise<ClientContext> {
  // Behind tesseraClient(), the one context whose cookies the middleware writes.
  const existing = contextOf(req)
  if (existing) return existing
  const https = options.https ?? req.secure
  return createClientContext({
    method: req.method,
    url: new URL(req.originalUrl, https ? 'https://localhost' : 'http://localhost'),
    headers: req.headers,
    https,
    body: await readForm(req),
  })
}

/**
 * Answers the 303 of a login, callback or logout: `Location`, `Cache-Control: no-store` and
 * `Referrer-Policy: no-referrer` (a callback URL carries the code: RFC 9700 §4.2.4). Behind
 * `tesseraClient(oauth)` pass just the redirect (or a path); the middleware writes the cookies. The older
 * form `sendExpressRedirect(res, ctx, redirect)` writes the given context's cookies itself.
 *
 * @example
 * ```ts
 * app.get('/login', async (req, res) => sendExpressRedirect(res, await oauth.authorizeRedirect(req.clientContext, 'google', CALLBACK)))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4
 */
export function sendExpressRedirect(res: Response, redirect: ClientRedirect | string): void
export function sendExpressRedirect(res: Response, ctx: ClientContext, redirect: ClientRedirect): void
export function sendExpressRedirect(res: Response, first: ClientContext | ClientRedirect | string, second?: ClientRedirect): void {
  let ctx: ClientContext | undefined
  let redirect: ClientRedirect
  if (second !== undefined) {
    ctx = first as ClientContext
    redirect = second
  } else {
    ctx = contextOf(res.req)
    if (!ctx) throw new Error('sendExpressRedirect(res, redirect) needs app.use(tesseraClient(oauth)) before the route; or pass the context: sendExpressRedirect(res, ctx, redirect)')
    redirect = typeof first === 'string' ? redirectTo(first) : (first as ClientRedirect)
  }
  applyExpressCookies(res, ctx)
  redirectHeaders(ctx, redirect).forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value)
  })
  res.status(redirect.status).end()
}

/**
 * Adds the context's cookies to the response before the handler sends it.
 *
 * @deprecated `tesseraClient(oauth)` writes them before the headers go out; removed in the next release.
 */
export function applyExpressCookies(res: Response, ctx: ClientContext): void {
  appendMissingCookies(res, ctx.cookies)
}

/** The context `tesseraClient(oauth)` set, if it ran for this request. */
function contextOf(req: Request): ClientContext | undefined {
  return (req as Partial<Pick<Request, 'clientContext'>>).clientContext
}

/** Appends each cookie the response does not carry yet, so writing a context's cookies twice is harmless. */
function appendMissingCookies(res: Response, cookies: readonly string[]): void {
  if (cookies.length === 0) return
  const present = res.getHeader('set-cookie')
  const written = new Set(Array.isArray(present) ? present : present === undefined ? [] : [String(present)])
  for (const cookie of cookies) {
    if (!written.has(cookie)) res.appendHeader('Set-Cookie', cookie)
  }
}

/**
 * Writes the context's cookies just before the status line and headers go out, whichever way the route
 * answers (`res.send`, `res.redirect`, `res.end`, `res.write`, `res.writeHead`): Node's implicit headers
 * go through `writeHead` too, and no event fires before the headers are sent. Headers handed to
 * `writeHead` itself are set first, as Node would, so the context's cookies are added to theirs.
 */
function writeCookiesBeforeHeaders(res: Response, ctx: ClientContext): void {
  const writeHead = res.writeHead
  const patched = function (this: Response, statusCode: number, reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): Response {
    const given = typeof reason === 'string' ? headers : reason
    if (Array.isArray(given) && Array.isArray(given[0])) {
      for (const pair of given as string[][]) if (pair[0]) this.setHeader(pair[0], pair[1] ?? '')
    } else if (Array.isArray(given)) {
      // Node's flat [name, value, name, value, …] list replaces those headers and may repeat a name.
      const names = given.filter((_, index) => index % 2 === 0).map(String)
      for (const name of names) this.removeHeader(name)
      for (let index = 0; index + 1 < given.length; index += 2) {
        const value = given[index + 1]
        this.appendHeader(String(given[index]), Array.isArray(value) ? value : String(value))
      }
    } else if (given) {
      for (const [name, value] of Object.entries(given)) if (value !== undefined) this.setHeader(name, value)
    }
    appendMissingCookies(this, ctx.cookies)
    return (writeHead as (this: Response, statusCode: number, reason?: string) => Response).call(this, statusCode, typeof reason === 'string' ? reason : undefined)
  }
  res.writeHead = patched as unknown as Response['writeHead']
}

async function contextForMiddleware(req: Request, options: ExpressClientOptions): Promise<ClientContext> {
  const https = options.https ?? req.secure
  let body: URLSearchParams | undefined
  const parsed: unknown = req.body
  if (parsed !== undefined) {
    body = formFromParsed(req, parsed)
  } else if (mayCarryFormToken(req.method, () => req.headers['content-type']) && !req.readableEnded) {
    // A form_post callback (OAuth 2.0 Form Post Response Mode): read it as `express.urlencoded()` would, and
    // leave it in `req.body` for the route. `readNodeBody` pauses a body over the limit instead of resetting the
    // connection, so the 413 that `next(err)` leads to can be written.
    const bytes = await readNodeBody(req, BODY_LIMIT)
    req.body = formObject(bytes)
    body = formBody(req.get('content-type'), Buffer.from(bytes).toString('utf8'))
  }
  return createClientContext({ method: req.method, url: new URL(req.originalUrl, https ? 'https://localhost' : 'http://localhost'), headers: req.headers, https, body })
}

function formFromParsed(req: Request, parsed: unknown): URLSearchParams | undefined {
  if (req.method !== 'POST') return undefined
  if (typeof parsed === 'string') return formBody(req.get('content-type'), parsed)
  if (parsed && typeof parsed === 'object' && !Buffer.isBuffer(parsed)) return new URLSearchParams(parsed as Record<string, string>)
  return undefined
}

/**
 * Express middleware: `req.clientContext` and `req.currentUser()` for every request it runs for, and the context's cookies (login
 * transaction, session) written with the response however the route sends it — a route that forgets
 * them loses nothing. A `form_post` callback's form body is read here (at most 64 KiB; larger goes to
 * `next(err)` with status 413) and left parsed in `req.body`, unless a body parser already read it.
 *
 * @example
 * ```ts
 * app.use(tesseraClient(oauth))
 * app.get('/profile', async (req, res) => res.json((await req.currentUser()) ?? { signedIn: false }))
 * ```
 */
export function tesseraClient(oauth: Pick<OAuth, 'currentUser'>, options: ExpressClientOptions = {}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    // Mounted twice (app and router): one context, so no route's cookies are left on an unused one.
    if (contextOf(req)) {
      next()
      return
    }
    contextForMiddleware(req, options).then((ctx) => {
      req.clientContext = ctx
      req.currentUser = () => oauth.currentUser(ctx)
      writeCookiesBeforeHeaders(res, ctx)
      next()
    }, next)
  }
}

/** Writes a web `Response` (status, headers, body) to Express. */
async function sendWebResponse(res: Response, answer: globalThis.Response): Promise<void> {
  answer.headers.forEach((value, name) => res.setHeader(name, value))
  res.status(answer.status).end(Buffer.from(await answer.arrayBuffer()))
}

/** The request as a web `Request`: its body as sent, or re-encoded from what `express.urlencoded()` parsed. */
async function webRequest(req: Request): Promise<globalThis.Request | undefined> {
  const url = new URL(req.originalUrl, 'http://localhost')
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && name !== 'content-length') headers.set(name, value)
  }
  if (req.method !== 'POST') return new globalThis.Request(url, { method: req.method, headers })
  const parsed: unknown = req.body
  let body: string
  if (typeof parsed === 'string') body = parsed
  else if (parsed && typeof parsed === 'object' && !Buffer.isBuffer(parsed)) body = new URLSearchParams(parsed as Record<string, string>).toString()
  else if (req.readableEnded) body = Buffer.isBuffer(parsed) ? parsed.toString('utf8') : ''
  else {
    try {
      body = new TextDecoder().decode(await readBodyStream(req, BODY_LIMIT))
    } catch (error) {
      if (error instanceof BodyTooLargeError) return undefined
      throw error
    }
  }
  return new globalThis.Request(url, { method: 'POST', headers, body })
}

/**
 * The back-channel logout route for Express (OpenID Connect Back-Channel Logout 1.0 §2.5), with or
 * without `express.urlencoded()` before it.
 *
 * @example app.post('/backchannel-logout', expressBackchannelLogout(oauth))
 */
export function expressBackchannelLogout(oauth: Pick<OAuth, 'backchannelLogout'>, options?: BackchannelLogoutReceiverOptions): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const request = await webRequest(req)
    if (!request) {
      res.status(413).setHeader('cache-control', 'no-store').json({ error: 'invalid_request', error_description: 'The request body is too large' })
      return
    }
    await sendWebResponse(res, await oauth.backchannelLogout(request, options))
  }
}
