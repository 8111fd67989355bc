/**
 * `tessera-oidc/adapters/express-client`: `tessera-oidc/client` routes for Express.
 *
 * @module tessera-oidc/adapters/express-client
 */
import type { Request, Response } from 'express'
import { createClientContext, type ClientContext, type ClientRedirect } from '../client/context.js'
import { formBody, redirectHeaders } from '../client/response.js'
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
