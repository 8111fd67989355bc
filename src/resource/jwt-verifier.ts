import { OAuthError } from '../errors.js'
import { KeySourceUnavailableError } from '../jwt/remote-jwks.js'
import { isJwtValidationError, verifyJwt, type KeyResolver } from '../jwt/verify.js'
import { parseScope } from '../protocol/rfc6749/scope.js'
import type { Principal } from './principal.js'

/**
 * A JWS in compact serialization: three base64url segments without padding (RFC 7515 §3.1, §2). Tokens
 * of any other shape — opaque handles, padded or `+`/`/` base64 — are not JWTs here.
 */
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * Whether `token` has the shape of a JWS (and so is verified locally rather than introspected).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 */
export function looksLikeJwt(token: string): boolean {
  return JWS_COMPACT.test(token)
}

export interface JwtAccessTokenOptions {
  keys: KeyResolver
  algorithms: string[]
  issuer: string
  audience: string
  /** Seconds. */
  clockTolerance: number
  /** Seconds since the epoch. */
  now: number
}

export interface VerifiedToken {
  principal: Principal
  /** When a cached verification must be dropped (seconds): the token's `exp`. */
  expiresAt: number
}

/** RFC 9068 §2.2: claims every JWT access token carries. */
const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']

function invalid(detail: string, cause?: unknown): OAuthError {
  return new OAuthError('invalid_token', 'The access token is invalid or expired', { detail, cause })
}

/**
 * Validates an RFC 9068 JWT access token: `typ` is `at+jwt` (§4 step 1; `application/at+jwt` too), the
 * signature verifies with a key from the issuer's JWKS under an allow-listed algorithm (steps 4–5;
 * RFC 8725 §3.1), `iss` is the issuer exactly (step 2), `aud` names this API (step 3), and `exp`,
 * `nbf` and `iat` hold within the clock tolerance (step 6). Throws `invalid_token`, or
 * `temporarily_unavailable` when the key set could not be fetched.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export async function verifyJwtAccessToken(token: string, options: JwtAccessTokenOptions): Promise<VerifiedToken> {
  let claims: Record<string, unknown>
  try {
    claims = await verifyJwt(token, options.keys, {
      algorithms: options.algorithms,
      issuer: options.issuer,
      audience: options.audience,
      typ: 'at+jwt',
      clockTolerance: options.clockTolerance,
      requiredClaims: REQUIRED_CLAIMS,
      currentDate: new Date(options.now * 1000),
    })
  } catch (error) {
    if (error instanceof KeySourceUnavailableError) {
      throw new OAuthError('temporarily_unavailable', 'The authorization server\'s keys could not be fetched', { detail: error.message, cause: error })
    }
    if (isJwtValidationError(error)) throw invalid(error instanceof Error ? error.message : String(error), error)
    throw error
  }
  const { sub, client_id: clientId, jti, iat, exp, scope } = claims
  if (typeof sub !== 'string' || sub === '') throw invalid('sub is not a non-empty string')
  if (typeof clientId !== 'string' || clientId === '') throw invalid('client_id is not a non-empty string')
  if (typeof jti !== 'string') throw invalid('jti is not a string')
  // jose checks `iat` only with maxTokenAge; a token issued in the future is as suspect as one expired.
  if (typeof iat !== 'number' || iat > options.now + options.clockTolerance) throw invalid('iat is in the future')
  if (typeof exp !== 'number') throw invalid('exp is not a number')
  if (scope !== undefined && typeof scope !== 'string') throw invalid('scope is not a string')
  let scopes: string[]
  try {
    scopes = parseScope(scope)
  } catch (error) {
    throw invalid('scope is malformed', error)
  }
  return { principal: { subject: sub, clientId, scopes, claims }, expiresAt: exp }
}
