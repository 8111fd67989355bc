/**
 * `tessera-oidc/adapters/hono-client`: `tessera-oidc/client` routes for Hono.
 *
 * @module tessera-oidc/adapters/hono-client
 */
import type { Context } from 'hono'
import { createClientContext, type ClientContext, type ClientRedirect } from '../client/context.js'
import { formBody, redirectHeaders } from '../client/response.js'
import type { OAuth } from '../client/oauth.js'
import type { BackchannelLogoutReceiverOptions } from '../client/backchannel-logout.js'

/** Options of the Hono routes of `tessera-oidc/client`. */
export interface HonoClientOptions {
  /** Whether browsers reach the app over https; default from the request URL's scheme. */
  https?: boolean
}

/**
 * A `ClientContext` for a Hono request (the form body is read for `form_post` callbacks).
 *
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

/** A 303 response carrying the context's cookies. */
export function honoRedirect(_c: Context, ctx: ClientContext, redirect: ClientRedirect): Response {
  return new Response(null, { status: redirect.status, headers: redirectHeaders(ctx, redirect) })
}

/** Adds the context's cookies to whatever response the handler returns next (`c.json`, `c.html`, …). */
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
  return (c) => oauth.backchannelLogout(c.req.raw, options)
}
