/** What a protected resource needs of the user's authentication behind a token (RFC 9470 §3). */
export interface AuthenticationRequirement {
  /** The token's `acr` must be one of these (RFC 9470 §5, §6: `acr` in the JWT or introspection answer). */
  acrValues?: readonly string[] | undefined
  /** At most this many seconds between the token's `auth_time` and now. */
  maxAge?: number | undefined
}

/**
 * Whether a token's claims meet `requirement`: a token without `acr` (or without `auth_time`) meets no
 * requirement on it. `now` in Unix seconds.
 *
 * @example meetsAuthenticationRequirement({ acr: 'urn:tessera:mfa', auth_time: 1700000000 }, { acrValues: ['urn:tessera:mfa'], maxAge: 300 }, 1700000100) // true
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function meetsAuthenticationRequirement(claims: Readonly<Record<string, unknown>>, requirement: AuthenticationRequirement, now: number): boolean {
  if (requirement.acrValues !== undefined && requirement.acrValues.length > 0) {
    if (typeof claims.acr !== 'string' || !requirement.acrValues.includes(claims.acr)) return false
  }
  if (requirement.maxAge !== undefined) {
    if (typeof claims.auth_time !== 'number' || now - claims.auth_time > requirement.maxAge) return false
  }
  return true
}
