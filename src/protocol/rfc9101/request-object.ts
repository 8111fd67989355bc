import type { JWTPayload } from '../../jwt/verify.js'

/**
 * Algorithms a request object may be signed with: asymmetric only, so a request object proves the
 * client's private key. `none` (RFC 9101 §10.2 leaves unsigned objects to the AS; we refuse them) and
 * HMAC (a shared secret the server also holds proves nothing about who wrote the request) are refused.
 */
export const REQUEST_OBJECT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const

/**
 * Longest accepted lifetime of a request object, seconds (`exp` at most this far from now, `nbf` at most
 * this far before `exp`): FAPI 2.0 Message Signing §5.3.1 asks for 60 minutes; a request object is sent
 * right after it is made.
 */
export const MAX_REQUEST_OBJECT_LIFETIME_SECONDS = 3600

/** Claims that describe the JWT itself, not the authorization request (RFC 7519 §4.1). */
const JWT_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sub'])

/**
 * RFC 9101 §4 asks for `typ` `oauth-authz-req+jwt` (§10.8, against cross-JWT confusion); objects made by
 * clients predating that registration carry `JWT` or no `typ`, which are tolerated. Any other type (a
 * client assertion, an ID token, a DPoP proof) is refused. Undefined when acceptable.
 */
export function requestObjectTypeProblem(typ: unknown): string | undefined {
  if (typ === undefined) return undefined
  if (typeof typ !== 'string') return 'typ is not a string'
  const type = typ.toLowerCase().replace(/^application\//, '')
  return type === 'oauth-authz-req+jwt' || type === 'jwt' ? undefined : `typ ${typ} is not a request object's`
}

export interface RequestObjectContext {
  /** The `client_id` parameter sent next to the object. */
  readonly clientId: string
  /** The authorization server's issuer identifier: the required audience (RFC 9101 §4). */
  readonly issuer: string
  /** Seconds since the epoch. */
  readonly now: number
  readonly clockSkewSeconds: number
}

export interface CheckedRequestObject {
  /** The authorization request's parameters, from the object's claims alone (RFC 9101 §6.3). */
  readonly parameters: Array<[string, string]>
  readonly exp: number
  readonly jti: string | undefined
}

/**
 * The claim checks of a verified request object (RFC 9101 §4, §6.3): `iss` is the client, `aud` is this
 * server, the `client_id` claim equals the `client_id` parameter, `exp` is present and near, `nbf` if
 * present lies within the lifetime bound, no nested `request`/`request_uri`. Returns the problem as a
 * string, or the request's parameters: strings as they are, numbers as their decimal text, arrays as
 * repeated parameters of their string members (RFC 8707 `resource`), objects as JSON (`claims`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-6.3
 */
export function checkRequestObjectClaims(payload: JWTPayload, context: RequestObjectContext): CheckedRequestObject | string {
  const { clientId, issuer, now, clockSkewSeconds: skew } = context
  if (payload.iss !== clientId) return 'iss is not the client'
  const audience = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
  if (!audience.includes(issuer)) return 'aud is not this issuer'
  // RFC 9101 §5: the client_id parameter is there so the server can find the keys before verifying;
  // the request's own client_id must be the same one.
  if (payload.client_id !== clientId) return 'client_id claim differs from the client_id parameter'
  const exp = payload.exp
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'exp missing'
  if (exp <= now - skew) return 'expired'
  if (exp - now > MAX_REQUEST_OBJECT_LIFETIME_SECONDS + skew) return 'exp too far in the future'
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== 'number' || !Number.isFinite(payload.nbf)) return 'nbf is not a number'
    if (payload.nbf > now + skew) return 'not yet valid'
    if (exp - payload.nbf > MAX_REQUEST_OBJECT_LIFETIME_SECONDS) return 'nbf too long before exp'
  }
  if (payload.jti !== undefined && (typeof payload.jti !== 'string' || payload.jti === '')) return 'jti is not a string'
  // RFC 9101 §4: the object MUST NOT itself carry request or request_uri.
  if ('request' in payload || 'request_uri' in payload) return 'nested request or request_uri'
  const parameters: Array<[string, string]> = []
  for (const [name, value] of Object.entries(payload)) {
    if (JWT_CLAIMS.has(name) || value === undefined || value === null) continue
    if (typeof value === 'string') parameters.push([name, value])
    else if (typeof value === 'number' || typeof value === 'boolean') parameters.push([name, String(value)])
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) for (const item of value) parameters.push([name, item])
    else parameters.push([name, JSON.stringify(value)])
  }
  return { parameters, exp, jti: payload.jti }
}
