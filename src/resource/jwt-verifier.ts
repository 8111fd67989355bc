import { OAuthError } from '../errors.js'
import { KeySourceUnavailableError } from '../jwt/remote-jwks.js'
import type { KeyResolver } from '../jwt/verify.js'
import { verifyAccessTokenJwt } from '../protocol/rfc9068/verify-access-token.js'
import { actorOf, type Principal } from './principal.js'

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

/**
 * An RFC 9068 JWT access token for this API, checked by `verifyAccessTokenJwt` against the issuer's
 * JWKS with this API as the audience. Throws `invalid_token`, or `temporarily_unavailable` when the key
 * set could not be fetched.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export async function verifyJwtAccessToken(token: string, options: JwtAccessTokenOptions): Promise<VerifiedToken> {
  try {
    const { claims, scopes } = await verifyAccessTokenJwt(token, options)
    const actor = actorOf(claims)
    return { principal: { subject: claims.sub, clientId: claims.client_id, scopes, claims, ...(actor ? { actor } : {}) }, expiresAt: claims.exp }
  } catch (error) {
    if (error instanceof KeySourceUnavailableError) {
      throw new OAuthError('temporarily_unavailable', 'The authorization server\'s keys could not be fetched', { detail: error.message, cause: error })
    }
    throw error
  }
}
