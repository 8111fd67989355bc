/**
 * `tessera-oidc/adapters/fastify-resource`: `tessera-oidc/resource` as a Fastify hook.
 *
 * @module tessera-oidc/adapters/fastify-resource
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, RouteHandlerMethod } from 'fastify'
import { headersFromRaw } from '../http/node.js'
import type { OAuthRequest, OAuthResponse } from '../http/types.js'
import { formBodyFromParsed, formObject, mayCarryFormToken } from '../resource/adapter-support.js'
import type { AccessRequirement, ResourceServer } from '../resource/create-resource-server.js'
import type { Principal, VerifyResult } from '../resource/principal.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireScopes` once the bearer token was verified. */
    principal?: Principal
  }
}

/** Only path and query are read from the URL, so the Host header never matters here. */
const PLACEHOLDER_ORIGIN = 'http://localhost'

function toOAuthRequest(request: FastifyRequest): OAuthRequest {
  const headers = headersFromRaw(request.raw.rawHeaders)
  return {
    method: request.method,
    url: new URL(request.url, PLACEHOLDER_ORIGIN),
    headers,
    // Fastify has read and parsed the body (within its bodyLimit) before preHandler hooks run.
    body: mayCarryFormToken(request.method, () => headers.get('content-type')) ? formBodyFromParsed(request.body) : undefined,
    remoteAddress: request.ip,
  }
}

function send(reply: FastifyReply, response: OAuthResponse): FastifyReply {
  reply.code(response.status)
  response.headers.forEach((value, name) => void reply.header(name, value))
  const { body } = response
  return reply.send(body === undefined ? undefined : typeof body === 'string' ? body : Buffer.from(body))
}

/**
 * Parses `application/x-www-form-urlencoded` bodies (Fastify has no parser for them), so that a
 * token sent in the body (RFC 6750 §2.2) reaches `requireScopes`. Repeated names become arrays.
 *
 * @example
 * ```ts
 * addFormBodyParser(app)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.2
 */
export function addFormBodyParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, formObject(body as Buffer))
  })
}

/**
 * Fastify preHandler hook: the request needs a valid bearer token granting every scope in `scopes`;
 * the principal is then `request.principal`, otherwise the RFC 6750 §3 challenge is sent. Tokens in a
 * form body need a form parser (`addFormBodyParser`, or @fastify/formbody); without one Fastify answers
 * such requests 415 before any hook runs.
 *
 * @example
 * ```ts
 * app.get('/api/notes', { preHandler: requireScopes(rs, 'notes:read') }, async (request) => ({ owner: request.principal?.subject }))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function requireScopes(rs: ResourceServer, ...scopes: string[]): preHandlerAsyncHookHandler {
  return guard(rs.requireScopes(...scopes))
}

/**
 * Fastify preHandler hook: `requireScopes` plus what the route needs of the user's authentication (an
 * `acr` of `acrValues`, an `auth_time` at most `maxAge` seconds ago), else the RFC 9470 §3 challenge.
 *
 * @example
 * ```ts
 * app.post('/api/transfer', { preHandler: requireAccess(rs, { scopes: ['payments'], acrValues: ['urn:tessera:mfa'], maxAge: 300 }) }, handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function requireAccess(rs: ResourceServer, requirement: AccessRequirement): preHandlerAsyncHookHandler {
  return guard(rs.requireAccess(requirement))
}

function guard(check: (request: OAuthRequest) => Promise<VerifyResult>): preHandlerAsyncHookHandler {
  return async function (request, reply) {
    const result = await check(toOAuthRequest(request))
    if (!result.ok) return send(reply, result.response)
    request.principal = result.principal
  }
}

/**
 * Serves the RFC 9728 metadata; mount it at `rs.metadataPath`.
 *
 * @example
 * ```ts
 * app.get(rs.metadataPath, protectedResourceMetadata(rs))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function protectedResourceMetadata(rs: ResourceServer): RouteHandlerMethod {
  return async function (request, reply) {
    return send(reply, rs.metadataResponse({ method: request.method, url: new URL(request.url, PLACEHOLDER_ORIGIN), headers: headersFromRaw(request.raw.rawHeaders) }))
  }
}
