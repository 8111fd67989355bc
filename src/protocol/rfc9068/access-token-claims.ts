import { OAuthError } from '../../errors.js'
import type { JWTPayload } from '../../jwt/verify.js'
import { parseScope } from '../rfc6749/scope.js'
import type { ActorClaim } from '../rfc8693/actor-claim.js'

/** RFC 9068 §2.1: the `typ` header of a JWT access token (`application/at+jwt` names the same type). */
export const ACCESS_TOKEN_TYP = 'at+jwt'

/** RFC 9068 §2.2: the claims every JWT access token carries. */
export const REQUIRED_ACCESS_TOKEN_CLAIMS: readonly string[] = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']

/** Most clock skew (seconds) a verifier may allow on `exp`, `nbf` and `iat`: beyond it an expired token lives on. */
export const MAX_CLOCK_TOLERANCE = 300

/** The RFC 9068 §2.2 claim set of a validated JWT access token. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string
  exp: number
  aud: string | string[]
  sub: string
  client_id: string
  iat: number
  jti: string
  scope?: string
  /** RFC 9449 §6.1: the token is bound to the DPoP key of this thumbprint. */
  cnf?: { jkt?: string }
  /** RFC 8693 §4.1: who acts for `sub` (a token from a token exchange with an actor), the chain nested. */
  act?: ActorClaim
}

export interface AccessTokenClaimRules {
  /** The issuer identifier, compared exactly (RFC 9068 §4 step 2). */
  issuer: string
  /**
   * This resource server's identifier, which `aud` must contain (RFC 9068 §4 step 3). The authorization
   * server checking its own tokens for any resource (RFC 7662 introspection, userinfo) gives none.
   */
  audience?: string | undefined
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`, at most `MAX_CLOCK_TOLERANCE`. */
  clockTolerance: number
  /** Seconds since the epoch. */
  now: number
}

/** A token whose claims passed `validateAccessTokenClaims`. */
export interface ValidatedAccessToken {
  claims: AccessTokenClaims
  /** `scope`, parsed (RFC 6749 §3.3); none when the token has no `scope`. */
  scopes: string[]
}

function invalid(detail: string, cause?: unknown): OAuthError {
  return new OAuthError('invalid_token', 'The access token is invalid or expired', { detail, cause })
}

function isAudience(aud: unknown): aud is string | string[] {
  return typeof aud === 'string' || (Array.isArray(aud) && aud.every((value) => typeof value === 'string'))
}

/**
 * Validates the claims of a JWT access token whose signature and `typ` were already checked (see
 * `verifyAccessTokenJwt`): every RFC 9068 §2.2 claim is present, `iss` is the issuer exactly (§4 step 2),
 * `aud` contains the audience when one is given (step 3), `exp` has not passed and `nbf` has come within
 * the clock tolerance (step 6), `iat` is not in the future, `sub`/`client_id` are non-empty strings and
 * `scope` is an RFC 6749 §3.3 string. Pure: the time is `rules.now`. Throws `invalid_token`.
 *
 * @example
 * ```ts
 * const { claims, scopes } = validateAccessTokenClaims(payload, { issuer, audience: 'https://api.example.com', clockTolerance: 30, now })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export function validateAccessTokenClaims(payload: JWTPayload, rules: AccessTokenClaimRules): ValidatedAccessToken {
  const { issuer, audience, clockTolerance, now } = rules
  if (!(clockTolerance >= 0 && clockTolerance <= MAX_CLOCK_TOLERANCE)) {
    throw new RangeError(`clockTolerance must be from 0 to ${MAX_CLOCK_TOLERANCE} seconds, got ${clockTolerance}`)
  }
  for (const claim of REQUIRED_ACCESS_TOKEN_CLAIMS) {
    if (payload[claim] === undefined) throw invalid(`${claim} is missing (RFC 9068 §2.2)`)
  }
  const { iss, exp, nbf, aud, sub, client_id: clientId, iat, jti, scope } = payload
  // RFC 9068 §4 step 2: exact string comparison, no normalization (a trailing slash is another issuer).
  if (iss !== issuer) throw invalid(`iss ${JSON.stringify(iss)} is not the issuer`)
  if (!isAudience(aud)) throw invalid('aud is neither a string nor an array of strings')
  // RFC 9068 §4 step 3: the resource server MUST reject a token whose aud does not name it.
  if (audience !== undefined && !(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) {
    throw invalid(`aud ${JSON.stringify(aud)} does not name ${audience}`)
  }
  // RFC 9068 §4 step 6 (RFC 7519 §4.1.4): expired at `exp` itself, with the tolerance for skew.
  if (typeof exp !== 'number' || exp <= now - clockTolerance) throw invalid('exp has passed or is not a number')
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + clockTolerance)) throw invalid('nbf is in the future or not a number')
  // RFC 7519 §4.1.6 leaves `iat` unchecked; a token issued in the future is as suspect as one expired.
  if (typeof iat !== 'number' || iat > now + clockTolerance) throw invalid('iat is in the future or not a number')
  if (typeof sub !== 'string' || sub === '') throw invalid('sub is not a non-empty string')
  if (typeof clientId !== 'string' || clientId === '') throw invalid('client_id is not a non-empty string')
  if (typeof jti !== 'string') throw invalid('jti is not a string')
  if (scope !== undefined && typeof scope !== 'string') throw invalid('scope is not a string')
  let scopes: string[]
  try {
    scopes = parseScope(scope)
  } catch (error) {
    throw invalid('scope is malformed (RFC 6749 §3.3)', error)
  }
  // The checks above established every member `AccessTokenClaims` promises; the payload is not copied.
  return { claims: payload as AccessTokenClaims, scopes }
}
