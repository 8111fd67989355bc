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
import { scopeCheck, type AccessRequirement, type ResourceServer } from '../resource/create-resource-server.js'
import type { Principal, VerifyResult } from '../resource/principal.js'

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

/** The headers of a refusal that belong to its challenge (RFC 6750 §3, RFC 9449 §8-9). */
const CHALLENGE_HEADERS = ['WWW-Authenticate', 'DPoP-Nonce'] as const

/**
 * A request `requireAuth` refused, handed to `next(err)`: `status` (400
 * `invalid_request`, 401 without a usable token, 403 `insufficient_scope`, 413 for a body over 64 KiB; 500
 * or 503 when the token could not be checked, without a challenge), the challenge `headers`
 * (`WWW-Authenticate`, and `DPoP-Nonce` when the API wants a nonce) and the RFC 6750 §3.1 JSON `body`
 * (none for a request that carried no token). Express's own final handler already sends `status` and
 * `headers`; `resourceErrorHandler()` sends the whole `response`, as the middleware did before.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => {
 *   if (!(err instanceof ResourceAccessError)) return next(err)
 *   res.status(err.status).set(err.headers).json(err.body ?? { error: 'unauthorized' })
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export class ResourceAccessError extends Error {
  /** The HTTP status to answer. */
  readonly status: number
  /** The RFC 6750 §3.1 error code (`invalid_request`, `invalid_token`, `insufficient_scope`, …); undefined when no token was sent. */
  readonly code: string | undefined
  /** `WWW-Authenticate` and `DPoP-Nonce`, as far as the answer has them. */
  readonly headers: Readonly<Record<string, string>>
  /** The JSON body, `{ error, error_description? }`; undefined for a bare 401 challenge (RFC 6750 §3.1). */
  readonly body: Readonly<{ error: string; error_description?: string }> | undefined
  /** The complete answer (also `Cache-Control: no-store`), as `resourceErrorHandler()` writes it. */
  readonly response: OAuthResponse

  constructor(response: OAuthResponse) {
    const body = errorBodyOf(response)
    super(body ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}` : 'An access token is required')
    this.name = 'ResourceAccessError'
    this.status = response.status
    this.code = body?.error
    this.body = body
    this.response = response
    const headers: Record<string, string> = {}
    for (const name of CHALLENGE_HEADERS) {
      const value = response.headers.get(name)
      if (value !== null) headers[name] = value
    }
    this.headers = headers
    // A refusal is an answer, not a fault: Express's final handler prints `stack` outside production, and
    // no stack trace reaches a client.
    this.stack = `${this.name}: ${this.message}`
  }
}

/** The RFC 6750 §3.1 JSON body of a refusal; undefined for a bare challenge. */
function errorBodyOf(response: OAuthResponse): { error: string; error_description?: string } | undefined {
  if (response.body === undefined) return undefined
  try {
    const parsed: unknown = JSON.parse(typeof response.body === 'string' ? response.body : Buffer.from(response.body).toString('utf8'))
    return parsed && typeof parsed === 'object' && typeof (parsed as { error?: unknown }).error === 'string' ? (parsed as { error: string; error_description?: string }) : undefined
  } catch {
    return undefined
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
