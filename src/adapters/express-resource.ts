/**
 * `tessera-oidc/adapters/express-resource`: `tessera-oidc/resource` as Express middleware.
 *
 * @module tessera-oidc/adapters/express-resource
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { headersFromRaw, readBodyStream, writeNodeResponse } from '../http/node.js'
import { BodyTooLargeError } from '../http/web.js'
import { DEFAULT_BODY_LIMIT, type OAuthRequest } from '../http/types.js'
import { jsonResponse } from '../http/response.js'
import { formBodyFromParsed, formObject, mayCarryFormToken } from '../resource/adapter-support.js'
import type { AccessRequirement, ResourceServer } from '../resource/create-resource-server.js'
import type { Principal, VerifyResult } from '../resource/principal.js'

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `requireScopes` once the bearer token was verified. */
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
 * Express middleware: the request needs a valid bearer token granting every scope in `scopes`; the
 * principal is then `req.principal` (and `res.locals.principal`), otherwise the RFC 6750 §3
 * challenge is sent.
 *
 * @example
 * ```ts
 * app.get('/api/notes', requireScopes(rs, 'notes:read'), (req, res) => res.json({ owner: req.principal?.subject }))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function requireScopes(rs: ResourceServer, ...scopes: string[]): RequestHandler {
  return guard(rs.requireScopes(...scopes))
}

/**
 * Express middleware: `requireScopes` plus what the route needs of the user's authentication (an `acr` of
 * `acrValues`, an `auth_time` at most `maxAge` seconds ago), else the RFC 9470 §3 challenge.
 *
 * @example
 * ```ts
 * app.post('/api/transfer', requireAccess(rs, { scopes: ['payments'], acrValues: ['urn:tessera:mfa'], maxAge: 300 }), handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function requireAccess(rs: ResourceServer, requirement: AccessRequirement): RequestHandler {
  return guard(rs.requireAccess(requirement))
}

function guard(check: (request: OAuthRequest) => Promise<VerifyResult>): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    let request: OAuthRequest
    try {
      request = await toOAuthRequest(req, DEFAULT_BODY_LIMIT)
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error
      writeNodeResponse(jsonResponse(413, { error: 'invalid_request', error_description: 'Request body too large' }), res)
      return
    }
    const result = await check(request)
    if (!result.ok) {
      writeNodeResponse(result.response, res)
      return
    }
    req.principal = result.principal
    res.locals.principal = result.principal
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
