import { ENGLISH, type MessageKey, type Translator } from './messages/index.js'

/** One line of the consent list: the scope as requested and what it lets the app do, in plain words. */
export interface ScopeDescription {
  value: string
  description: string
}

// OpenID Connect Core 1.0 §5.4 (profile, email, address, phone) and §11 (offline_access).
const STANDARD_SCOPES: ReadonlyMap<string, MessageKey> = new Map([
  ['openid', 'scope.openid'],
  ['profile', 'scope.profile'],
  ['email', 'scope.email'],
  ['address', 'scope.address'],
  ['phone', 'scope.phone'],
  ['offline_access', 'scope.offline_access'],
])

/**
 * Describes requested scopes for the consent page, in request order without duplicates: OpenID Connect
 * scopes in plain words, then `custom` descriptions, then the scope value itself.
 *
 * @example describeScopes(['openid', 'read:notes'], { 'read:notes': 'Read your notes' })
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
 */
export function describeScopes(scopes: readonly string[], custom: Readonly<Record<string, string>>, t: Translator = ENGLISH): ScopeDescription[] {
  const seen = new Set<string>()
  const described: ScopeDescription[] = []
  for (const value of scopes) {
    if (value === '' || seen.has(value)) continue
    seen.add(value)
    // Object.hasOwn: a scope named "constructor" or "__proto__" must not pick up Object.prototype members.
    const customDescription = Object.hasOwn(custom, value) ? custom[value] : undefined
    const standard = STANDARD_SCOPES.get(value)
    const description = (standard ? t.text(standard) : undefined) ?? customDescription ?? value
    described.push({ value, description })
  }
  return described
}
