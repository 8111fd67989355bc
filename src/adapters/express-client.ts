/**
 * `tessera-oidc/adapters/express-client`: `tessera-oidc/client` routes for Express.
 *
 * @module tessera-oidc/adapters/express-client
 */
import type { Request, Response } from 'express'
import { createClientContext, type ClientContext, type ClientRedirect } from '../client/context.js'
import { formBody, redirectHeaders } from '../client/response.js'
import type { OAuth } from '../client/oauth.js'
import type { BackchannelLogoutReceiverOptions } from '../client/backchannel-logout.js'
import { readBodyStream } from '../http/node.js'
import { BodyTooLargeError } from '../http/web.js'

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
 * A `ClientContext` for an Express request. Only the path and query of the URL are read; the form body of
 * a `form_post` callback is taken from `express.urlencoded()` when used, else read here.
 *
 * @example
 * ```ts
 * app.get('/login', async (req, res) => {
 *   const ctx = await expressClientContext(req)
 *   sendExpressRedirect(res, ctx, await oauth.authorizeRedirect(ctx, 'google', 'https://app.example/cb'))
 * })
 * ```
 */
export async function expressClientContext(req: Request, options: ExpressClientOptions = {}): Promise<ClientContext> {
  const https = options.https ?? req.secure
  return createClientContext({
    method: req.method,
    url: new URL(req.originalUrl, https ? 'https://localhost' : 'http://localhost'),
    headers: req.headers,
    https,
    body: await readForm(req),
  })
}

/** Answers the 303 with the context's cookies. */
export function sendExpressRedirect(res: Response, ctx: ClientContext, redirect: ClientRedirect): void {
  applyExpressCookies(res, ctx)
  redirectHeaders(ctx, redirect).forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value)
  })
  res.status(redirect.status).end()
}

/** Adds the context's cookies to the response before the handler sends it. */
export function applyExpressCookies(res: Response, ctx: ClientContext): void {
  if (ctx.cookies.length > 0) res.append('Set-Cookie', ctx.cookies)
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
