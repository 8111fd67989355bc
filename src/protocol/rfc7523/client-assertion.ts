import { OAuthError } from '../../errors.js'
import type { Parameters } from '../../http/form.js'

/**
 * JWT client authentication (RFC 7523 §2.2, §3; OpenID Connect Core §9), the rules on the assertion
 * itself. Pure: the signature is checked by the caller (src/jwt/), keys come from the client's record.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-rfc7523bis/
 */

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** `private_key_jwt` algorithms: asymmetric only (RFC 8725 §3.1; `none` and HMAC never verify a public key). */
export const ASYMMETRIC_ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const
/** `client_secret_jwt` algorithms: HMAC keyed with the client secret (OIDC Core §9). */
export const HMAC_ASSERTION_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const

/** Bounds of an acceptable assertion: how long it may live and how far clocks may disagree. */
export interface AssertionPolicy {
  /** Longest `exp − iat` (or `exp − now` without `iat`), seconds; at most 600 (FAPI 2.0, JA-04). */
  readonly maxLifetimeSeconds: number
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, seconds; at most 60. */
  readonly clockSkewSeconds: number
  /**
   * Also accept the token endpoint URL (or an array holding the issuer) as `aud`: what RFC 7523 and OIDC
   * Core §9 allowed before the 2025 audience-injection findings (7523bis §4). Weakening; off by default.
   */
  readonly legacyAudiences: boolean
}

export const DEFAULT_ASSERTION_POLICY: AssertionPolicy = { maxLifetimeSeconds: 300, clockSkewSeconds: 60, legacyAudiences: false }

/** An assertion as a request presents it, before any check of its signature. */
export interface PresentedAssertion {
  readonly assertion: string
  /** The client the assertion names (`sub`), which the form's `client_id` must name too if sent. */
  readonly clientId: string
  /** The header `alg`: decides whether the client uses `client_secret_jwt` or `private_key_jwt`. */
  readonly alg: string
}

function invalidClient(description: string): OAuthError {
  return new OAuthError('invalid_client', description, { status: 401 })
}

/**
 * Reads `client_assertion_type` and `client_assertion` (RFC 7521 §4.2), or undefined when the request
 * uses neither. Decodes header and payload without trusting them: only to find the client whose keys
 * verify it. `client_id`, when sent, must name the same client (RFC 7521 §4.2); another method at the
 * same time is an `invalid_request` (RFC 6749 §2.3).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7521#section-4.2
 */
export function readClientAssertion(headers: Headers, params: Parameters): PresentedAssertion | undefined {
  const type = params.get('client_assertion_type')
  const assertion = params.get('client_assertion')
  if (type === undefined && assertion === undefined) return undefined
  if (type !== JWT_BEARER_ASSERTION_TYPE) throw invalidClient('Unsupported client_assertion_type')
  if (assertion === undefined || assertion === '') throw invalidClient('client_assertion is missing')
  if (headers.get('authorization') !== null || params.get('client_secret') !== undefined) {
    throw new OAuthError('invalid_request', 'Only one client authentication method may be used')
  }
  const decoded = decodeCompact(assertion)
  if (!decoded) throw invalidClient('client_assertion is not a JWS in compact serialization')
  const { header, payload } = decoded
  if (typeof header.alg !== 'string') throw invalidClient('client_assertion has no alg')
  if (typeof payload.sub !== 'string' || payload.sub === '') throw invalidClient('client_assertion has no sub')
  const clientId = params.get('client_id')
  // RFC 7521 §4.2: exact string comparison, no normalisation (JA-05).
  if (clientId !== undefined && clientId !== payload.sub) throw invalidClient('client_id does not match the client_assertion')
  return { assertion, clientId: payload.sub, alg: header.alg }
}

const COMPACT_JWS = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/

function decodeCompact(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  if (token.length > 16_384) return undefined
  const match = COMPACT_JWS.exec(token)
  if (!match) return undefined
  try {
    const header: unknown = JSON.parse(Buffer.from(match[1] ?? '', 'base64url').toString('utf8'))
    const payload: unknown = JSON.parse(Buffer.from(match[2] ?? '', 'base64url').toString('utf8'))
    if (!isObject(header) || !isObject(payload)) return undefined
    return { header, payload }
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The header `typ` (7523bis §4): `client-authentication+jwt`, `JWT` or absent; any other explicit type
 * is a JWT made for another purpose (a request object, a DPoP proof, an access token) and must never
 * authenticate the client (RFC 8725 §3.11, catalogue JA-02). Returns the reason it is refused, or undefined.
 */
export function assertionTypeProblem(typ: unknown): string | undefined {
  if (typ === undefined) return undefined
  if (typeof typ !== 'string') return 'typ must be a string'
  const type = typ.toLowerCase().replace(/^application\//, '')
  return type === 'client-authentication+jwt' || type === 'jwt' ? undefined : `typ ${typ} is not a client assertion`
}

/** What a checked assertion leaves to remember: its `jti` (single use) until its `exp`. */
export interface CheckedAssertion {
  readonly jti: string
  readonly exp: number
}

/**
 * The claims of a client assertion whose signature verified (RFC 7523 §3, 7523bis §4, OIDC Core §9):
 * `iss` = `sub` = the client id; `aud` = the issuer identifier as a single string (the token endpoint URL
 * and arrays only with `legacyAudiences`); `exp` a number, not past, at most `maxLifetimeSeconds` ahead
 * of `iat` (or of now); `nbf` and `iat` not in the future; `jti` present. Clock skew applies to each time.
 * Returns the reason it is refused, or the `jti` and `exp` to remember.
 */
export function checkAssertionClaims(
  payload: Readonly<Record<string, unknown>>,
  expected: { readonly clientId: string; readonly issuer: string; readonly tokenEndpoint: string; readonly now: number },
  policy: AssertionPolicy = DEFAULT_ASSERTION_POLICY,
): CheckedAssertion | string {
  const { clientId, now } = expected
  // RFC 7523 §3 (1), (2): for client authentication both MUST be the client id.
  if (payload.iss !== clientId) return 'iss is not the client id'
  if (payload.sub !== clientId) return 'sub is not the client id'
  const audienceProblem = audienceCheck(payload.aud, expected, policy)
  if (audienceProblem) return audienceProblem
  const skew = policy.clockSkewSeconds
  const { exp, nbf, iat, jti } = payload
  if (!isNumericDate(exp)) return 'exp is required as a NumericDate'
  if (exp <= now - skew) return 'the assertion has expired'
  if (nbf !== undefined && (!isNumericDate(nbf) || nbf > now + skew)) return 'the assertion is not valid yet (nbf)'
  if (iat !== undefined && (!isNumericDate(iat) || iat > now + skew)) return 'iat is in the future'
  // RFC 7523 §3 (4), (6): an exp far ahead or an old iat MAY be refused; a bounded lifetime bounds the jti store too.
  const start = iat ?? now
  if (exp - Math.min(start, now) > policy.maxLifetimeSeconds + skew) return `the assertion lives longer than ${policy.maxLifetimeSeconds} seconds`
  if (typeof jti !== 'string' || jti === '' || jti.length > 256) return 'jti is required'
  return { jti, exp: Math.ceil(exp) }
}

function audienceCheck(aud: unknown, expected: { readonly issuer: string; readonly tokenEndpoint: string }, policy: AssertionPolicy): string | undefined {
  // 7523bis §4: the issuer identifier as the sole value; anything else MUST be rejected (catalogue JA-01).
  if (aud === expected.issuer) return undefined
  if (policy.legacyAudiences) {
    const accepted = [expected.issuer, expected.tokenEndpoint]
    if (typeof aud === 'string' && accepted.includes(aud)) return undefined
    if (Array.isArray(aud) && aud.length > 0 && aud.every((value) => typeof value === 'string') && aud.some((value) => accepted.includes(value as string))) return undefined
  }
  return 'aud must be the issuer identifier'
}

// RFC 7519 §2: seconds since the epoch, fractions allowed; bounded so `1e20` is not a date.
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1e11
}
