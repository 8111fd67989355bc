/**
 * `tessera-oidc/adapters/fastify-client`: `tessera-oidc/client` routes for Fastify.
 *
 * @module tessera-oidc/adapters/fastify-client
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { createClientContext, type ClientContext, type ClientRedirect } from '../client/context.js'
import { formBody, redirectHeaders } from '../client/response.js'
import type { OAuth } from '../client/oauth.js'
import type { BackchannelLogoutReceiverOptions } from '../client/backchannel-logout.js'

/** Options of the Fastify routes of `tessera-oidc/client`. */
export interface FastifyClientOptions {
  /** Whether browsers reach the app over https; default `request.protocol` (honours `trustProxy`). */
  https?: boolean
}

/**
 * A `ClientContext` for a Fastify request. For `form_post` callbacks register a parser for
 * `application/x-www-form-urlencoded` (e.g. `@fastify/formbody`, or `addContentTypeParser` with
 * `parseAs: 'string'`); both an object and a raw string body are accepted.
 *
 * @example
 * ```ts
 * app.get('/login', async (request, reply) => {
 *   const ctx = fastifyClientContext(request)
 *   return sendFastifyRedirect(reply, ctx, await oauth.authorizeRedirect(ctx, 'google', 'https://app.example/cb'))
 * })
 * ```
 */
export function fastifyClientContext(request: FastifyRequest, options: FastifyClientOptions = {}): ClientContext {
  const https = options.https ?? request.protocol === 'https'
  const raw: unknown = request.body
  const body =
    request.method !== 'POST'
      ? undefined
      : typeof raw === 'string'
        ? formBody(request.headers['content-type'], raw)
        : raw && typeof raw === 'object'
          ? new URLSearchParams(raw as Record<string, string>)
          : undefined
  return createClientContext({
    method: request.method,
    url: new URL(request.url, https ? 'https://localhost' : 'http://localhost'),
    headers: request.headers,
    https,
    body,
  })
}

/** Sends the 303 with the context's cookies. */
export function sendFastifyRedirect(reply: FastifyReply, ctx: ClientContext, redirect: ClientRedirect): FastifyReply {
  applyFastifyCookies(reply, ctx)
  redirectHeaders(ctx, redirect).forEach((value, name) => {
    if (name !== 'set-cookie') void reply.header(name, value)
  })
  return reply.code(redirect.status).send()
}

/** Adds the context's cookies to the reply. */
export function applyFastifyCookies(reply: FastifyReply, ctx: ClientContext): void {
  if (ctx.cookies.length > 0) void reply.header('set-cookie', ctx.cookies)
}

/**
 * The back-channel logout route for Fastify (OpenID Connect Back-Channel Logout 1.0 §2.5). Fastify needs a
 * parser for `application/x-www-form-urlencoded` (`@fastify/formbody`, or `addContentTypeParser` with
 * `parseAs: 'string'`); a body parsed to an object is re-encoded.
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
    const body = request.method !== 'POST' ? undefined : typeof raw === 'string' ? raw : raw && typeof raw === 'object' ? new URLSearchParams(raw as Record<string, string>).toString() : ''
    const url = new URL(request.url, 'http://localhost')
    const answer = await oauth.backchannelLogout(new Request(url, { method: request.method, headers, ...(body !== undefined ? { body } : {}) }), options)
    answer.headers.forEach((value, name) => void reply.header(name, value))
    return reply.code(answer.status).send(Buffer.from(await answer.arrayBuffer()))
  }
}
