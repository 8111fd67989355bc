/**
 * `tessera-oidc/adapters/fastify-resource`: `tessera-oidc/resource` as a Fastify plugin.
 *
 * @module tessera-oidc/adapters/fastify-resource
 */
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, RouteHandlerMethod } from 'fastify'
import fp from 'fastify-plugin'
import { headersFromRaw } from '../http/node.js'
import type { OAuthRequest, OAuthResponse } from '../http/types.js'
import { formBodyFromParsed, mayCarryFormToken } from '../resource/adapter-support.js'
import { ResourceAccessError } from '../resource/access-error.js'
import { addFormParser, ensureFormParser } from './fastify-form.js'
import { scopeCheck, type AccessRequirement, type ResourceServer } from '../resource/create-resource-server.js'
import type { Principal, VerifyResult } from '../resource/principal.js'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The verified token's principal, set by `app.requireAuth(…)`; `null` on a route without that hook
     * (decorated by the `tesseraResource` plugin).
     */
    auth: Principal | null
    /**
     * Set by the deprecated `requireScopes`/`requireAccess` hooks.
     *
     * @deprecated Register `tesseraResource` and read `request.auth`; removed in the next release.
     */
    principal?: Principal
  }
  interface FastifyInstance {
    /**
     * A preHandler hook (decorated by the `tesseraResource` plugin): the request needs a valid access token
     * granting `requirement.scopes` (and the `acrValues`/`maxAge` of RFC 9470, if given). The principal is
     * then `request.auth`; otherwise a `ResourceAccessError` goes to the app's error handler.
     */
    requireAuth(requirement?: AccessRequirement): preHandlerAsyncHookHandler
  }
}

/** Options of the `tesseraResource` plugin. */
export interface TesseraResourceOptions {
  /** The resource server from `createResourceServer`. */
  resourceServer: ResourceServer
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

/** The refusal `app.requireAuth(…)` throws; also exported by `tessera-oidc/resource`, one class for every adapter. */
export { ResourceAccessError }

/**
 * An error handler for `app.setErrorHandler`: a `ResourceAccessError` is answered exactly as Tessera's
 * other adapters do (status, challenge headers, RFC 6750 JSON body `{ error, error_description }`); any
 * other error goes to `fallback`, or to Fastify's default handling.
 *
 * @example
 * ```ts
 * app.setErrorHandler(resourceErrorHandler())
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function resourceErrorHandler(
  fallback?: (this: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply) => unknown,
): (this: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply) => unknown {
  return function (error, request, reply) {
    if (error instanceof ResourceAccessError) return send(reply, error.response)
    if (fallback) return fallback.call(this, error, request, reply)
    // Sent as an error from inside an error handler, it reaches the parent (ultimately Fastify's default) handler.
    return reply.send(error)
  }
}

/** The check a route needs: the fast scope check when no RFC 9470 requirement is given. */
function checkFor(rs: ResourceServer, requirement: AccessRequirement): (request: OAuthRequest) => VerifyResult | Promise<VerifyResult> {
  if (requirement.acrValues === undefined && requirement.maxAge === undefined) return scopeCheck(rs, requirement.scopes ?? [])
  return rs.requireAccess(requirement)
}

const plugin: FastifyPluginAsync<TesseraResourceOptions> = async (app, options) => {
  const rs = options.resourceServer
  // Fastify's decorator rule: a reference type is decorated as null and set per request, so every request
  // object keeps one shape and no principal is shared between requests.
  app.decorateRequest('auth', null)
  app.decorate('requireAuth', (requirement: AccessRequirement = {}): preHandlerAsyncHookHandler => {
    const check = checkFor(rs, requirement)
    return async function (request) {
      const result = await check(toOAuthRequest(request))
      if (!result.ok) throw new ResourceAccessError(result.response)
      request.auth = result.principal
    }
  })
  // The app's own form parser, if it has one (e.g. @fastify/formbody), is kept: formBodyFromParsed reads its objects.
  ensureFormParser(app)
}

/**
 * The Fastify plugin for `tessera-oidc/resource` (wrapped with `fastify-plugin`, so its decorators reach the
 * app): `request.auth`, `app.requireAuth(requirement)` for routes' `preHandler`, and a parser for
 * `application/x-www-form-urlencoded` when the app has none (a token may come in a form body, RFC 6750
 * §2.2). Refusals are thrown as `ResourceAccessError` for the app's error handler; Fastify's default
 * handler answers them with the status and the exact challenge headers, `resourceErrorHandler()` also with
 * the RFC 6750 JSON body.
 *
 * @example
 * ```ts
 * await app.register(tesseraResource, { resourceServer: rs })
 * app.get('/api/notes', { preHandler: app.requireAuth({ scopes: ['notes:read'] }) }, async (request) => ({ owner: request.auth?.subject }))
 * app.get(rs.metadataPath, protectedResourceMetadata(rs))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export const tesseraResource = fp(plugin, { fastify: '5.x', name: 'tessera-oidc-resource' })

/**
 * Parses `application/x-www-form-urlencoded` bodies (Fastify has no parser for them), so that a
 * token sent in the body (RFC 6750 §2.2) reaches `requireScopes`. Repeated names become arrays.
 *
 * @deprecated `tesseraResource` registers this parser when the app has none; removed in the next release.
 * @example
 * ```ts
 * addFormBodyParser(app)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.2
 */
export function addFormBodyParser(app: FastifyInstance): void {
  addFormParser(app)
}

/**
 * Fastify preHandler hook: the request needs a valid bearer token granting every scope in `scopes`;
 * the principal is then `request.principal`, otherwise the RFC 6750 §3 challenge is sent. Tokens in a
 * form body need a form parser (`addFormBodyParser`, or @fastify/formbody); without one Fastify answers
 * such requests 415 before any hook runs.
 *
 * @deprecated It answers refusals itself, past the app's error handler, and sets an undecorated
 * `request.principal`. Register `tesseraResource` and use `app.requireAuth({ scopes })` and `request.auth`;
 * removed in the next release.
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
 * @deprecated As `requireScopes`: use `app.requireAuth({ scopes, acrValues, maxAge })` after registering
 * `tesseraResource`; removed in the next release.
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
 * Serves the RFC 9728 metadata; mount it at `rs.metadataPath` (from the origin's root, outside any prefix).
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
