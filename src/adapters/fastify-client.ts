/**
 * `tessera-oidc/adapters/fastify-client`: `tessera-oidc/client` as a Fastify plugin.
 *
 * @module tessera-oidc/adapters/fastify-client
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { createClientContext, type ClientContext, type ClientRedirect } from '../client/context.js'
import { formBody, redirectHeaders } from '../client/response.js'
import type { OAuth } from '../client/oauth.js'
import type { ClientUser } from '../client/user.js'
import type { BackchannelLogoutReceiverOptions } from '../client/backchannel-logout.js'
import { ensureFormParser, FORM_CONTENT_TYPE } from './fastify-form.js'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * This request's `ClientContext` for `oauth.*` (decorated by the `tesseraClient` plugin and set by its
     * `onRequest` hook, as `@fastify/cookie` does `request.cookies`). The cookies it collects are written by
     * the plugin's `onSend` hook.
     */
    clientContext: ClientContext
    /** The signed-in user of this request's session, or undefined (decorated by the `tesseraClient` plugin). */
    currentUser(): Promise<ClientUser | undefined>
  }
}

/** Options of the Fastify routes of `tessera-oidc/client`. */
export interface FastifyClientOptions {
  /** Whether browsers reach the app over https; default `request.protocol` (honours `trustProxy`). */
  https?: boolean
}

/** Options of the `tesseraClient` plugin. */
export interface TesseraClientOptions extends FastifyClientOptions {
  /** The relying party from `createOAuth`. */
  oauth: Pick<OAuth, 'currentUser'>
}

/** A parsed form (an object whose repeated names are arrays, or the raw text) as search parameters. */
function formParams(raw: unknown, contentType: string | undefined): URLSearchParams | undefined {
  if (typeof raw === 'string') return formBody(contentType, raw)
  // Only a form is a form: a JSON body posted to the same app never becomes callback parameters.
  if (!contentType?.toLowerCase().startsWith(FORM_CONTENT_TYPE)) return undefined
  if (raw instanceof URLSearchParams) return raw
  if (!raw || typeof raw !== 'object' || Buffer.isBuffer(raw)) return undefined
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(raw)) {
    // Repeats are kept as repeats, so that the client's own checks see (and refuse) a repeated parameter.
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, typeof item === 'string' ? item : '')
  }
  return params
}

function contextFor(request: FastifyRequest, https: boolean | undefined): ClientContext {
  const secure = https ?? request.protocol === 'https'
  return createClientContext({
    method: request.method,
    url: new URL(request.url, secure ? 'https://localhost' : 'http://localhost'),
    headers: request.headers,
    https: secure,
    body: request.method === 'POST' ? formParams(request.body, request.headers['content-type']) : undefined,
  })
}

/** The context's cookies the reply does not carry yet (a route may have written some with `sendFastifyRedirect`). */
function unwrittenCookies(reply: FastifyReply, ctx: ClientContext): string[] {
  const existing = reply.getHeader('set-cookie')
  if (existing === undefined) return ctx.cookies
  const written = new Set(Array.isArray(existing) ? existing : [String(existing)])
  return ctx.cookies.filter((cookie) => !written.has(cookie))
}

const plugin: FastifyPluginAsync<TesseraClientOptions> = async (app, options) => {
  const { oauth, https } = options
  // Fastify's decorator rule: a reference type is decorated as null and set per request in a hook. (Typed
  // non-null, as @fastify/cookie types request.cookies, since the onRequest hook sets it before any route runs;
  // the overload taking dependencies is the one that accepts null for such a property.)
  app.decorateRequest('clientContext', null, [])
  app.decorateRequest('currentUser', function (this: FastifyRequest) {
    return oauth.currentUser(this.clientContext)
  })
  app.addHook('onRequest', async (request) => {
    request.clientContext = contextFor(request, https)
  })
  // The body is parsed after onRequest: a form_post callback's parameters join the context here.
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST') request.clientContext.body = formParams(request.body, request.headers['content-type'])
  })
  // onSend runs for every answer, errors included, so a cookie set before a failure (a cleared transaction) is never dropped.
  app.addHook('onSend', async (request, reply, payload) => {
    // Null when an earlier onRequest hook answered before the plugin's ran.
    const ctx = request.clientContext as ClientContext | null
    if (ctx && ctx.cookies.length > 0) {
      const missing = unwrittenCookies(reply, ctx)
      if (missing.length > 0) void reply.header('set-cookie', missing)
    }
    return payload
  })
  ensureFormParser(app)
}

/**
 * The Fastify plugin for `tessera-oidc/client` (wrapped with `fastify-plugin`, so it applies to the app's
 * routes): `request.clientContext` for `oauth.*`, `request.currentUser()`, an `onSend` hook writing the
 * context's cookies on every answer, and a parser for `application/x-www-form-urlencoded` (`form_post`
 * callbacks, back-channel logout) when the app has none.
 *
 * @example
 * ```ts
 * await app.register(tesseraClient, { oauth })
 * app.get('/login', async (request, reply) => sendFastifyRedirect(reply, await oauth.authorizeRedirect(request.clientContext, 'google', 'https://app.example/cb')))
 * app.get('/me', async (request) => (await request.currentUser()) ?? { signedIn: false })
 * ```
 */
export const tesseraClient = fp(plugin, { fastify: '5.x', name: 'tessera-oidc-client' })

/**
 * A `ClientContext` for a Fastify request. For `form_post` callbacks register a parser for
 * `application/x-www-form-urlencoded` (e.g. `@fastify/formbody`, or `addContentTypeParser` with
 * `parseAs: 'string'`); both an object and a raw string body are accepted.
 *
 * @deprecated Register `tesseraClient` and use `request.clientContext`, whose cookies are written for you;
 * removed in the next release.
 * @example
 * ```ts
 * app.get('/login', async (request, reply) => {
 *   const ctx = fastifyClientContext(request)
 *   return sendFastifyRedirect(reply, ctx, await oauth.authorizeRedirect(ctx, 'google', 'https://app.example/cb'))
 * })
 * ```
 */
export function fastifyClientContext(request: FastifyRequest, options: FastifyClientOptions = {}): ClientContext {
  return contextFor(request, options.https)
}

/**
 * Sends the 303 with `Cache-Control: no-store` and `Referrer-Policy: no-referrer` (RFC 9700 §4.2.4) and the
 * context's cookies: `request.clientContext`'s under the `tesseraClient` plugin, or those of the context given.
 *
 * @example return sendFastifyRedirect(reply, await oauth.authorizeRedirect(request.clientContext, 'google', callbackUrl))
 */
export function sendFastifyRedirect(reply: FastifyReply, redirect: ClientRedirect): FastifyReply
export function sendFastifyRedirect(reply: FastifyReply, ctx: ClientContext, redirect: ClientRedirect): FastifyReply
export function sendFastifyRedirect(reply: FastifyReply, ctxOrRedirect: ClientContext | ClientRedirect, given?: ClientRedirect): FastifyReply {
  const ctx = given ? (ctxOrRedirect as ClientContext) : (reply.request.clientContext as ClientContext | null)
  const redirect = given ?? (ctxOrRedirect as ClientRedirect)
  if (!ctx) throw new TypeError('sendFastifyRedirect(reply, redirect) needs the tesseraClient plugin; without it pass the context: sendFastifyRedirect(reply, ctx, redirect)')
  writeCookies(reply, ctx)
  redirectHeaders(ctx, redirect).forEach((value, name) => {
    if (name !== 'set-cookie') void reply.header(name, value)
  })
  return reply.code(redirect.status).send()
}

function writeCookies(reply: FastifyReply, ctx: ClientContext): void {
  const missing = unwrittenCookies(reply, ctx)
  if (missing.length > 0) void reply.header('set-cookie', missing)
}

/**
 * Adds the context's cookies to the reply.
 *
 * @deprecated The `tesseraClient` plugin's `onSend` hook writes them; removed in the next release.
 */
export function applyFastifyCookies(reply: FastifyReply, ctx: ClientContext): void {
  writeCookies(reply, ctx)
}

/**
 * The back-channel logout route for Fastify (OpenID Connect Back-Channel Logout 1.0 §2.5). The form is
 * parsed by `tesseraClient`'s parser (or the app's own: `@fastify/formbody`, or `addContentTypeParser` with
 * `parseAs: 'string'`); a body parsed to an object is re-encoded, repeated names kept.
 *
 * @example app.post('/backchannel-logout', fastifyBackchannelLogout(oauth))
 */
export function fastifyBackchannelLogout(oauth: Pick<OAuth, 'backchannelLogout'>, options?: BackchannelLogoutReceiverOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  return async (request, reply) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && name !== 'content-length') headers.set(name, value)
    }
    const raw: unknown = request.body
    const body = request.method !== 'POST' ? undefined : typeof raw === 'string' ? raw : (formParams(raw, FORM_CONTENT_TYPE)?.toString() ?? '')
    const url = new URL(request.url, 'http://localhost')
    const answer = await oauth.backchannelLogout(new Request(url, { method: request.method, headers, ...(body !== undefined ? { body } : {}) }), options)
    answer.headers.forEach((value, name) => void reply.header(name, value))
    return reply.code(answer.status).send(Buffer.from(await answer.arrayBuffer()))
  }
}
