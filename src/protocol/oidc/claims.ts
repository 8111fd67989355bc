/**
 * What the standard claims are read from: any user with these members (a store's user record has them).
 * `id` becomes `sub`, `username` `preferred_username` (OIDC Core §5.1).
 */
export interface ClaimsSource {
  id: string
  username: string
  name: string | null
  given_name: string | null
  family_name: string | null
  email: string | null
  email_verified: boolean
  picture: string | null
  /** Seconds since the epoch. */
  updated_at: number
}

/** OIDC Core §5.4: the claims each standard scope requests. */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  profile: ['name', 'family_name', 'given_name', 'picture', 'updated_at', 'preferred_username'],
  email: ['email', 'email_verified'],
}

/** Scopes defined by OpenID Connect, as opposed to API scopes. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const

/**
 * The user's claims released for `scopes` (OIDC Core §5.4), with `sub` always. Absent values are
 * omitted rather than sent as null (§5.3.2).
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
 */
export function claimsForScopes(user: ClaimsSource, scopes: readonly string[]): Record<string, unknown> {
  const all: Record<string, unknown> = {
    name: user.name,
    given_name: user.given_name,
    family_name: user.family_name,
    picture: user.picture,
    preferred_username: user.username,
    updated_at: user.updated_at,
    email: user.email,
    email_verified: user.email === null ? null : user.email_verified,
  }
  const claims: Record<string, unknown> = { sub: user.id }
  for (const scope of scopes) {
    for (const claim of SCOPE_CLAIMS[scope] ?? []) {
      const value = all[claim]
      if (value !== null && value !== undefined) claims[claim] = value
    }
  }
  return claims
}
