/**
 * `tessera-oidc/adapters/hono-resource`: `tessera-oidc/resource` as Hono middleware.
 *
 * @module tessera-oidc/adapters/hono-resource
 */
import type { Context, Handler, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { BodyTooLargeError, payloadTooLarge, readBounded, toWebResponse } from '../http/web.js'
import { DEFAULT_BODY_LIMIT, type OAuthRequest, type OAuthResponse } from '../http/types.js'
import { formBodyFromParsed, mayCarryFormToken } from '../resource/adapter-support.js'
import { scopeCheck, type AccessRequirement, type ResourceServer } from '../resource/create-resource-server.js'
import type { Principal, VerifyResult } from '../resource/principal.js'
import { refusalBody, refusalMessage } from '../resource/access-error.js'

/** What `requireAuth` puts in `c.var`: `c.var.auth`, the verified token's principal. */
export interface ResourceVariables {
  auth: Principal
}

/** The Hono environment of a route behind `requireAuth`, e.g. `new Hono<ResourceAuthEnv>()`. */
export interface ResourceAuthEnv {
  Variables: ResourceVariables
}

/**
 * Hono variables set by `requireScopes`: `c.get('principal')`.
 *
 * @deprecated Use `requireAuth` and `c.var.auth` (`ResourceVariables`); removed in the next release.
 */
export interface ResourceEnv {
  Variables: { principal: Principal }
}

/** A form body, read from a clone so the route can still read it, or from Hono's copy if already read. */
async function formBody(c: Context, bodyLimit: number): Promise<Uint8Array | undefined> {
  const raw = c.req.raw
  if (!raw.bodyUsed) {
    if (Number(raw.headers.get('content-length') ?? '0') > bodyLimit) throw new BodyTooLargeError()
    return readBounded(raw.clone().body, bodyLimit)
  }
  const parsed = c.req.bodyCache.formData
  if (parsed) return formBodyFromParsed({ access_token: (await parsed).getAll('access_token') })
  return new Uint8Array(await c.req.arrayBuffer())
}

/**
 * A request whose URL is parsed only if something reads it: the bearer-token lookup needs just `href`,
 * and parsing a URL costs about as much as the rest of a cached verification.
 */
class LazyUrlRequest implements OAuthRequest {
  #url: URL | undefined
  readonly method: string
  readonly href: string
  readonly headers: Headers
  body?: Uint8Array | undefined

  constructor(raw: Request) {
    this.method = raw.method
    this.href = raw.url
    this.headers = raw.headers
  }

  get url(): URL {
    return (this.#url ??= new URL(this.href))
  }
}

/** The request as the resource server reads it; the body only when it may carry the token (RFC 6750 §2.2). */
function toOAuthRequest(c: Context, bodyLimit: number): OAuthRequest | Promise<OAuthRequest> {
  const request = new LazyUrlRequest(c.req.raw)
  if (!mayCarryFormToken(request.method, () => request.headers.get('content-type'))) return request
  return formBody(c, bodyLimit).then((body) => {
    request.body = body
    return request
  })
}

/**
 * The request as the resource server reads it, or the 413 answer when its form body is too large. Only a
 * form body is awaited: a GET goes straight to the (usually cached) verification.
 */
function readRequest(c: Context): OAuthRequest | Promise<OAuthRequest | Response> {
  const converted = toOAuthRequest(c, DEFAULT_BODY_LIMIT)
  if (!(converted instanceof Promise)) return converted
  return converted.catch((error: unknown) => {
    if (error instanceof BodyTooLargeError) return payloadTooLarge()
    throw error
  })
}

/** A refusal as Hono's `HTTPException`, carrying the exact answer: `app.onError` may take over, Hono's default sends it as is. */
function refusal(response: OAuthResponse): HTTPException {
  return new HTTPException(response.status as ContentfulStatusCode, { res: toWebResponse(response), message: refusalMessage(response.status, refusalBody(response)) })
}

/** The check a route needs: the fast scope check when no RFC 9470 requirement is given. */
function checkFor(rs: ResourceServer, requirement: AccessRequirement): (request: OAuthRequest) => VerifyResult | Promise<VerifyResult> {
  if (requirement.acrValues === undefined && requirement.maxAge === undefined) return scopeCheck(rs, requirement.scopes ?? [])
  return rs.requireAccess(requirement)
}

/**
 * Hono middleware: the request needs a valid access token granting `requirement.scopes` (and, if given,
 * an `acr` of `acrValues` and an `auth_time` at most `maxAge` seconds ago, RFC 9470). The principal is
 * then `c.var.auth`; a refusal is thrown as an `HTTPException` whose response is the exact RFC 6750 §3
 * (or RFC 9449 §7.1, RFC 9470 §3) challenge, so `app.onError` sees it and Hono's default handler sends
 * that response unchanged.
 *
 * @example
 * ```ts
 * app.get('/api/notes', requireAuth(rs, { scopes: ['notes:read'] }), (c) => c.json({ owner: c.var.auth.subject }))
 * app.onError((error, c) => (error instanceof HTTPException ? error.getResponse() : c.text('Internal Server Error', 500)))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function requireAuth(rs: ResourceServer, requirement: AccessRequirement = {}): MiddlewareHandler<ResourceAuthEnv> {
  const check = checkFor(rs, requirement)
  return createMiddleware<ResourceAuthEnv>(async (c, next) => {
    const read = readRequest(c)
    const request = read instanceof Promise ? await read : read
    if (request instanceof Response) throw new HTTPException(413, { res: request, message: 'Request body too large' })
    const checked = check(request)
    // A cached token is answered as a plain value: no await, no extra microtask for the common case.
    const result = checked instanceof Promise ? await checked : checked
    if (!result.ok) throw refusal(result.response)
    c.set('auth', result.principal)
    await next()
  })
}

/**
 * Hono middleware: the request needs a valid bearer token granting every scope in `scopes`; the
 * principal is then `c.get('principal')`, otherwise the RFC 6750 §3 challenge is the response.
 *
 * @deprecated It returns the challenge itself, past `app.onError`. Use `requireAuth(rs, { scopes })` and
 * `c.var.auth`; removed in the next release.
 * @example
 * ```ts
 * app.get('/api/notes', requireScopes(rs, 'notes:read'), (c) => c.json({ owner: c.get('principal').subject }))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function requireScopes(rs: ResourceServer, ...scopes: string[]): MiddlewareHandler<ResourceEnv> {
  return guard(scopeCheck(rs, scopes))
}

/**
 * Hono middleware: `requireScopes` plus what the route needs of the user's authentication — an `acr` of
 * `acrValues`, an `auth_time` at most `maxAge` seconds ago — else the RFC 9470 §3 challenge
 * (`insufficient_user_authentication` with `acr_values` and `max_age`).
 *
 * @deprecated As `requireScopes`: use `requireAuth(rs, { scopes, acrValues, maxAge })`; removed in the
 * next release.
 * @example
 * ```ts
 * app.post('/api/transfer', requireAccess(rs, { scopes: ['payments'], acrValues: ['urn:tessera:mfa'], maxAge: 300 }), handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function requireAccess(rs: ResourceServer, requirement: AccessRequirement): MiddlewareHandler<ResourceEnv> {
  return guard(rs.requireAccess(requirement))
}

function guard(check: (request: OAuthRequest) => VerifyResult | Promise<VerifyResult>): MiddlewareHandler<ResourceEnv> {
  return async (c, next) => {
    const read = readRequest(c)
    const request = read instanceof Promise ? await read : read
    if (request instanceof Response) return request
    const checked = check(request)
    const result = checked instanceof Promise ? await checked : checked
    if (!result.ok) return toWebResponse(result.response)
    c.set('principal', result.principal)
    await next()
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
export function protectedResourceMetadata(rs: ResourceServer): Handler {
  return (c) => toWebResponse(rs.metadataResponse({ method: c.req.method, url: new URL(c.req.url), headers: c.req.raw.headers }))
}
