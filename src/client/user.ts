import type { IDToken, UserInfoResponse } from 'oauth4webapi'
import type { ProviderProfile } from './providers/profile.js'

/**
 * The signed-in user. Identity is (`issuer`, `sub`) — never the email address, which can change hands or be
 * unverified. `email_verified` is passed through so an app can decide what to trust.
 */
export interface ClientUser {
  provider: string
  issuer: string
  sub: string
  email?: string
  email_verified?: boolean
  name?: string
  preferred_username?: string
  picture?: string
  /** ID token claims merged with userinfo (OIDC), or the provider API's fields (plain OAuth). */
  claims: Record<string, unknown>
}

const STANDARD = ['email', 'name', 'preferred_username', 'picture'] as const

/** A user from validated ID token claims plus validated userinfo (same `sub`, OIDC Core §5.3.2). */
export function userFromClaims(provider: string, issuer: string, idToken: IDToken, userinfo: UserInfoResponse | undefined): ClientUser {
  const claims: Record<string, unknown> = { ...idToken, ...(userinfo ?? {}) }
  const user: ClientUser = { provider, issuer, sub: idToken.sub, claims }
  for (const name of STANDARD) {
    const value = claims[name]
    if (typeof value === 'string' && value !== '') user[name] = value
  }
  if (typeof claims.email_verified === 'boolean') user.email_verified = claims.email_verified
  return user
}

/** A user from a plain OAuth provider's profile API. */
export function userFromProfile(provider: string, issuer: string, profile: ProviderProfile): ClientUser {
  const { raw, ...standard } = profile
  return { provider, issuer, ...standard, claims: raw }
}
