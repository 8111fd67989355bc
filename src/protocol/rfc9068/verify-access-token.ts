import { OAuthError } from '../../errors.js'
import { isJwtValidationError, verifyJwt, type JWTPayload, type KeyResolver } from '../../jwt/verify.js'
import { ACCESS_TOKEN_TYP, validateAccessTokenClaims, type AccessTokenClaimRules, type ValidatedAccessToken } from './access-token-claims.js'

export interface AccessTokenVerification extends AccessTokenClaimRules {
  /** The issuer's keys: never taken from the token (RFC 9068 §4 step 4, RFC 8725 §3.1). */
  keys: KeyResolver
  /** Accepted JWS algorithms, an allow-list (RFC 9068 §4 step 5, RFC 8725 §3.1). */
  algorithms: string[]
}

/**
 * Verifies an RFC 9068 JWT access token: `typ` is `at+jwt` (§4 step 1; `application/at+jwt` too), the
 * signature verifies with a key of `keys` under an allow-listed algorithm (steps 4–5), then the claims
 * as `validateAccessTokenClaims` checks them. Throws `invalid_token`; a failure of the key source
 * itself (e.g. `KeySourceUnavailableError`) is rethrown as it is, for the caller to report.
 *
 * @example
 * ```ts
 * const { claims, scopes } = await verifyAccessTokenJwt(token, { keys, algorithms: ['ES256'], issuer, audience, clockTolerance: 30, now })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export async function verifyAccessTokenJwt(token: string, options: AccessTokenVerification): Promise<ValidatedAccessToken> {
  let payload: JWTPayload
  try {
    payload = await verifyJwt(token, options.keys, {
      algorithms: options.algorithms,
      issuer: options.issuer,
      typ: ACCESS_TOKEN_TYP,
      clockTolerance: options.clockTolerance,
      currentDate: new Date(options.now * 1000),
    })
  } catch (error) {
    if (isJwtValidationError(error)) {
      throw new OAuthError('invalid_token', 'The access token is invalid or expired', { detail: error instanceof Error ? error.message : String(error), cause: error })
    }
    throw error
  }
  return validateAccessTokenClaims(payload, options)
}
