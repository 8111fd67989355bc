import { parseScope } from '../rfc6749/scope.js'
import { isResourceIndicator } from '../rfc8707/resource-indicator.js'

/**
 * The JWT authorization grant (RFC 7523 §2.1, §3; RFC 7521 §4.1) and its Identity Assertion profile
 * (ID-JAG, draft-ietf-oauth-identity-assertion-authz-grant, "Access Token Request" processing rules):
 * the rules on the assertion itself. Pure: the signature is checked by the caller (src/jwt/) with the
 * keys of the trusted issuer the assertion names; the `jti` is remembered by the caller too.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-identity-assertion-authz-grant/
 */

/** RFC 7523 §2.1: the `grant_type` of a JWT used as an authorization grant. */
export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/** ID-JAG: the header `typ` of an Identity Assertion JWT Authorization Grant. */
export const ID_JAG_TYPE = 'oauth-id-jag+jwt'

/** Which kind of assertion a header announces: a plain RFC 7523 grant or an ID-JAG. */
export type GrantAssertionKind = 'jwt' | 'id-jag'

/**
 * The kind of assertion the header `typ` announces, or the reason it is refused: absent or `JWT` is a
 * plain RFC 7523 grant, `oauth-id-jag+jwt` an ID-JAG; any other explicit type is a JWT made for another
 * purpose (a client assertion, a DPoP proof, an access or ID token of the same issuer) and must not be
 * taken for a grant (RFC 8725 §3.11).
 */
export function grantAssertionKind(typ: unknown): GrantAssertionKind | string {
  if (typ === undefined) return 'jwt'
  if (typeof typ !== 'string') return 'typ must be a string'
  const type = typ.toLowerCase().replace(/^application\//, '')
  if (type === 'jwt') return 'jwt'
  if (type === ID_JAG_TYPE) return 'id-jag'
  return `typ ${typ} is not an authorization grant`
}

/** What the assertion must match: this server, the authenticated client, the time. */
export interface ExpectedGrantAssertion {
  /** This authorization server's issuer identifier: the only accepted `aud`. */
  readonly audience: string
  /** The trusted issuer whose keys verified the signature. */
  readonly issuer: string
  /** The client that authenticated at the token endpoint (ID-JAG `client_id`). */
  readonly clientId: string
  readonly now: number
  readonly kind: GrantAssertionKind
}

/** Bounds of an acceptable grant assertion. */
export interface GrantAssertionPolicy {
  /** Longest `exp − iat` (or `exp − now` without `iat`), seconds. */
  readonly maxLifetimeSeconds: number
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, seconds. */
  readonly clockSkewSeconds: number
}

/** A grant assertion whose claims passed: who it names and what it bounds. */
export interface CheckedGrantAssertion {
  readonly issuer: string
  readonly subject: string
  /** Single use: remembered until `exp`. */
  readonly jti: string
  readonly exp: number
  /** ID-JAG `scope`: the scopes the identity provider granted, the token's upper bound; undefined when absent. */
  readonly scopes: readonly string[] | undefined
  /** ID-JAG `resource`: the resources the token may address; undefined when absent. */
  readonly resources: readonly string[] | undefined
  /** Every claim, for a subject mapping by another claim (`email`). */
  readonly claims: Readonly<Record<string, unknown>>
}

/**
 * The claims of a grant assertion whose signature verified (RFC 7523 §3, ID-JAG processing rules):
 * `iss` the trusted issuer; `sub` present (§3 (2)); `aud` this server's issuer identifier as a single
 * string (§3 (3); an array or the token endpoint URL is refused as for client assertions, 7523bis §4);
 * `exp` present, not past, at most `maxLifetimeSeconds` ahead of `iat` (§3 (4), (6)); `nbf`, `iat` not in
 * the future (§3 (5), (6)); `jti` present so the assertion is used once (§3 (7)). An ID-JAG also needs
 * `iat`, a `client_id` equal to the authenticated client, and well-formed `scope` and `resource`.
 * Returns the reason it is refused, or what it grants.
 */
export function checkGrantAssertionClaims(
  payload: Readonly<Record<string, unknown>>, expected: ExpectedGrantAssertion, policy: GrantAssertionPolicy,
): CheckedGrantAssertion | string {
  const { now } = expected
  if (payload.iss !== expected.issuer) return 'iss is not the trusted issuer'
  const { sub, aud, exp, nbf, iat, jti } = payload
  if (typeof sub !== 'string' || sub === '' || sub.length > 255) return 'sub is required'
  // RFC 7523 §3 (3) and ID-JAG: this server's issuer identifier, and nothing else besides.
  if (aud !== expected.audience) return 'aud must be the issuer identifier of this server'
  const skew = policy.clockSkewSeconds
  if (!isNumericDate(exp)) return 'exp is required as a NumericDate'
  if (exp <= now - skew) return 'the assertion has expired'
  if (nbf !== undefined && (!isNumericDate(nbf) || nbf > now + skew)) return 'the assertion is not valid yet (nbf)'
  if (iat !== undefined && (!isNumericDate(iat) || iat > now + skew)) return 'iat is in the future'
  if (expected.kind === 'id-jag' && iat === undefined) return 'iat is required in an ID-JAG'
  const start = iat ?? now
  if (exp - Math.min(start, now) > policy.maxLifetimeSeconds + skew) return `the assertion lives longer than ${policy.maxLifetimeSeconds} seconds`
  if (typeof jti !== 'string' || jti === '' || jti.length > 256) return 'jti is required'
  let scopes: string[] | undefined
  let resources: string[] | undefined
  if (expected.kind === 'id-jag') {
    // ID-JAG: "The client_id claim MUST identify the same client as the client authentication in the request."
    if (payload.client_id !== expected.clientId) return 'client_id is not the authenticated client'
    if (payload.scope !== undefined) {
      if (typeof payload.scope !== 'string' || !SCOPE_LIST.test(payload.scope)) return 'scope must be a space-separated list of scope tokens'
      scopes = parseScope(payload.scope)
    }
    if (payload.resource !== undefined) {
      const values = typeof payload.resource === 'string' ? [payload.resource] : payload.resource
      if (!Array.isArray(values) || values.length === 0 || !values.every((value) => typeof value === 'string' && isResourceIndicator(value))) {
        return 'resource must be a resource indicator or an array of them'
      }
      resources = [...new Set(values as string[])]
    }
  }
  return { issuer: expected.issuer, subject: sub, jti, exp: Math.ceil(exp), scopes, resources, claims: payload }
}

// RFC 6749 §3.3: scope tokens separated by spaces.
const SCOPE_LIST = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/

// RFC 7519 §2: seconds since the epoch, fractions allowed; bounded so `1e20` is not a date.
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1e11
}
