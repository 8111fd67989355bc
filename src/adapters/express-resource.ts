/**
 * `tessera-oidc/adapters/express-resource`: `tessera-oidc/resource` as Express middleware. Behind
 * `requireAuth(rs, { scopes })` a verified token's principal is `req.auth`; a refused request goes to
 * `next(err)` as a `ResourceAccessError`, which `resourceErrorHandler()` (or the app's own error handler)
 * answers.
 *
 * @module tessera-oidc/adapters/express-resource
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express'
import { headersFromRaw, readBodyStream, writeNodeResponse } from '../http/node.js'
import { BodyTooLargeError } from '../http/web.js'
import { DEFAULT_BODY_LIMIT, type OAuthRequest, type OAuthResponse } from '../http/types.js'
import { jsonResponse } from '../http/response.js'
import { formBodyFromParsed, formObject, mayCarryFormToken } from '../resource/adapter-support.js'
import { ResourceAccessError } from '../resource/access-error.js'
import { scopeCheck, type AccessRequirement, type ResourceServer } from '../resource/create-resource-server.js'
import type { Principal, VerifyResult } from '../resource/principal.js'

/** The refusal `requireAuth` hands to `next(err)`; also exported by `tessera-oidc/resource`, one class for every adapter. */
export { ResourceAccessError }

declare module 'express-serve-static-core' {
  interface Request {
    /** Who the verified access token speaks for, set by `requireAuth` (the name express-jwt and express-oauth2-jwt-bearer use). */
    auth?: Principal
    /**
     * Set by the deprecated `requireScopes`/`requireAccess`, the same value as `req.auth`.
     *
     * @deprecated Use `requireAuth` and read `req.auth`; `req.principal` (and `res.locals.principal`) are set until the next release only.
     */
    principal?: Principal
  }
}

/** Only path and query are read from the URL, so the Host header never matters here. */
const PLACEHOLDER_ORIGIN = 'http://localhost'

/**
 * The request as an `OAuthRequest`. A form body already parsed (e.g. by `express.urlencoded()`) is
 * used as it is; otherwise it is read here, and left parsed in `req.body` for the route.
 */
async function toOAuthRequest(req: Request, bodyLimit: number): Promise<OAuthRequest> {
  let body: Uint8Array | undefined
  if (mayCarryFormToken(req.method, () => req.headers['content-type'])) {
    if (req.body !== undefined) {
      body = formBodyFromParsed(req.body)
    } else if (!req.readableEnded) {
      body = await readBodyStream(req, bodyLimit)
      req.body = formObject(body)
    }
  }
  return {
    method: req.method,
    url: new URL(req.originalUrl, PLACEHOLDER_ORIGIN),
    headers: headersFromRaw(req.rawHeaders),
    body,
    remoteAddress: req.socket.remoteAddress,
  }
}

/**
 * Express middleware: the request needs a valid access token granting `requirement.scopes` (and, if
 * given, an `acr` of `acrValues` and an `auth_time` at most `maxAge` seconds ago, RFC 9470). The principal
 * is then `req.auth`; otherwise `next(err)` gets a `ResourceAccessError` carrying the RFC 6750 §3 (RFC 9449
 * §7.1, RFC 9470 §3) challenge, for `resourceErrorHandler()` or the app's own error handler.
 *
 * @example
 * ```ts
 * app.get('/api/notes', requireAuth(rs, { scopes: ['notes:read'] }), (req, res) => res.json({ owner: req.auth?.subject }))
 * app.use(resourceErrorHandler())
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function requireAuth(rs: ResourceServer, requirement: AccessRequirement = {}): RequestHandler {
  return guard(checkFor(rs, requirement), 'next')
}

/**
 * Express middleware: the request needs a valid bearer token granting every scope in `scopes`; the
 * principal is then `req.auth` (and `req.principal`), otherwise the middleware answers the RFC 6750 §3
 * challenge itself.
 *
 * @deprecated It answers refusals itself, past the app's error handler. Use `requireAuth(rs, { scopes })`
 * with `resourceErrorHandler()`; removed in the next release.
 * @example
 * ```ts
 * app.get('/api/notes', requireScopes(rs, 'notes:read'), (req, res) => res.json({ owner: req.auth?.subject }))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function requireScopes(rs: ResourceServer, ...scopes: string[]): RequestHandler {
  return guard(rs.requireScopes(...scopes), 'respond')
}

/**
 * Express middleware: `requireScopes` plus what the route needs of the user's authentication (an `acr` of
 * `acrValues`, an `auth_time` at most `maxAge` seconds ago), else the RFC 9470 §3 challenge, answered by
 * the middleware itself.
 *
 * @deprecated As `requireScopes`: use `requireAuth(rs, { scopes, acrValues, maxAge })`; removed in the next release.
 * @example
 * ```ts
 * app.post('/api/transfer', requireAccess(rs, { scopes: ['payments'], acrValues: ['urn:tessera:mfa'], maxAge: 300 }), handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function requireAccess(rs: ResourceServer, requirement: AccessRequirement): RequestHandler {
  return guard(rs.requireAccess(requirement), 'respond')
}

/** The check a route needs: the fast scope check when no RFC 9470 requirement is given. */
function checkFor(rs: ResourceServer, requirement: AccessRequirement): (request: OAuthRequest) => VerifyResult | Promise<VerifyResult> {
  if (requirement.acrValues === undefined && requirement.maxAge === undefined) return scopeCheck(rs, requirement.scopes ?? [])
  return rs.requireAccess(requirement)
}

/**
 * The Express error handler for `ResourceAccessError`: the challenge answered exactly as the middleware
 * wrote it before (status, `WWW-Authenticate`, `DPoP-Nonce`, `Cache-Control: no-store`, JSON body). Any
 * other error goes on to the next error handler. Mount it after the routes.
 *
 * @example
 * ```ts
 * app.use(resourceErrorHandler())
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function resourceErrorHandler(): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (!(error instanceof ResourceAccessError) || res.headersSent) {
      next(error)
      return
    }
    writeNodeResponse(error.response, res)
  }
}

/**
 * `'next'`: a refusal goes to `next(err)` and the principal is `req.auth` only (`requireAuth`). `'respond'`:
 * the middleware answers a refusal and also sets the deprecated `req.principal`/`res.locals.principal`.
 */
function guard(check: (request: OAuthRequest) => VerifyResult | Promise<VerifyResult>, onFailure: 'next' | 'respond'): RequestHandler {
  const respond = onFailure === 'respond'
  return async (req: Request, res: Response, next: NextFunction) => {
    const refuse = (response: OAuthResponse): void => {
      if (respond) writeNodeResponse(response, res)
      else next(new ResourceAccessError(response))
    }
    let request: OAuthRequest
    try {
      request = await toOAuthRequest(req, DEFAULT_BODY_LIMIT)
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error
      refuse(jsonResponse(413, { error: 'invalid_request', error_description: 'Request body too large' }))
      return
    }
    const result = await check(request)
    if (!result.ok) {
      refuse(result.response)
      return
    }
    req.auth = result.principal
    if (respond) {
      req.principal = result.principal
      res.locals.principal = result.principal
    }
    next()
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
export function protectedResourceMetadata(rs: ResourceServer): RequestHandler {
  return (req, res) => {
    writeNodeResponse(rs.metadataResponse({ method: req.method, url: new URL(req.originalUrl, PLACEHOLDER_ORIGIN), headers: headersFromRaw(req.rawHeaders) }), res)
  }
}
