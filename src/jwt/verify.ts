import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'

export type { JSONWebKeySet, JWTPayload }

export interface VerifyJwtOptions {
  /** Accepted algorithms: an allow-list, never taken from the token (RFC 8725 §3.1). */
  algorithms: string[]
  issuer: string
  audience?: string | string[]
  /** Required `typ` header value (RFC 8725 §3.11), compared case-insensitively without `application/`. */
  typ?: string
  /** Seconds of allowed clock skew. */
  clockTolerance?: number
  /** Claims that must be present. */
  requiredClaims?: string[]
  /** Evaluate `exp`/`nbf` against this time (seconds) instead of now. */
  currentDate?: Date
}

/** Where verification keys come from: a JWKS we publish or fetched from a `jwks_uri`, never the token. */
export type KeyResolver = JWTVerifyGetKey

export function localKeyResolver(jwks: JSONWebKeySet): KeyResolver {
  return createLocalJWKSet(jwks)
}

/**
 * A JWS in compact serialization: three base64url segments without padding (RFC 7515 §7.1, §2), the
 * signature possibly empty. jose decodes segments leniently (padding, `+` and `/` pass), which would let
 * one signed token be presented under several spellings: a padded signature must not verify.
 */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * Verifies signature and registered claims with `jose`. Headers that would let a token choose its own
 * key (`jwk`, `jku`, `x5u`, `x5c`) are never consulted: keys come only from `keys`. Unknown `crit`
 * parameters are rejected by jose (RFC 7515 §4.1.11). Segments other than unpadded base64url are
 * refused before jose sees them (`COMPACT_JWS`).
 */
export async function verifyJwt(token: string, keys: KeyResolver, options: VerifyJwtOptions): Promise<JWTPayload> {
  if (!COMPACT_JWS.test(token)) throw new errors.JWSInvalid('Not a JWS in compact serialization with base64url segments (RFC 7515 §7.1)')
  const { payload } = await jwtVerify(token, keys, {
    algorithms: options.algorithms,
    issuer: options.issuer,
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
    ...(options.typ !== undefined ? { typ: options.typ } : {}),
    clockTolerance: options.clockTolerance ?? 0,
    requiredClaims: options.requiredClaims ?? [],
    ...(options.currentDate ? { currentDate: options.currentDate } : {}),
  })
  return payload
}

/** True for any failure jose reports about the token itself (as opposed to a programming error). */
export function isJwtValidationError(error: unknown): boolean {
  return error instanceof errors.JOSEError
}

/** Reads claims without verifying them: only for routing decisions that are verified afterwards. */
export function decodeUnverified(token: string): { header: Record<string, unknown>; payload: JWTPayload } | undefined {
  try {
    return { header: decodeProtectedHeader(token) as Record<string, unknown>, payload: decodeJwt(token) }
  } catch {
    return undefined
  }
}
