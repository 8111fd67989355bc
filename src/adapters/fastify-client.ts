/**
 * `tessera-oidc/adapters/fastify-client`: `tessera-oidc/client` routes for Fastify.
 *
 * @module tessera-oidc/adapters/fastify-client
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { createClientContext, type ClientContext, type ClientRedirect } from '../client/context.js'
import { formBody, redirectHeaders } from '../client/response.js'

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
