/** One line of the consent list: the scope as requested and what it lets the app do, in plain words. */
export interface ScopeDescription {
  value: string
  description: string
}

// OpenID Connect Core 1.0 §5.4 (profile, email, address, phone) and §11 (offline_access).
const STANDARD_SCOPES: ReadonlyMap<string, string> = new Map([
  ['openid', 'Confirm your identity (your account ID)'],
  ['profile', 'See your name and profile picture'],
  ['email', 'See your email address'],
  ['address', 'See your postal address'],
  ['phone', 'See your phone number'],
  ['offline_access', "Stay connected when you're not using the app"],
])

/**
 * Describes requested scopes for the consent page, in request order without duplicates: OpenID Connect
 * scopes in plain words, then `custom` descriptions, then the scope value itself.
 *
 * @example describeScopes(['openid', 'read:notes'], { 'read:notes': 'Read your notes' })
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
 */
export function describeScopes(scopes: readonly string[], custom: Readonly<Record<string, string>>): ScopeDescription[] {
  const seen = new Set<string>()
  const described: ScopeDescription[] = []
  for (const value of scopes) {
    if (value === '' || seen.has(value)) continue
    seen.add(value)
    // Object.hasOwn: a scope named "constructor" or "__proto__" must not pick up Object.prototype members.
    const customDescription = Object.hasOwn(custom, value) ? custom[value] : undefined
    const description = STANDARD_SCOPES.get(value) ?? customDescription ?? value
    described.push({ value, description })
  }
  return described
}
