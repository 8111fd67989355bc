import { OAuthError } from '../../errors.js'
import { OIDC_SCOPES } from '../../protocol/oidc/claims.js'
import { isSubset } from '../../protocol/rfc6749/scope.js'
import type { TokenExchangeRequest } from '../../protocol/rfc8693/token-exchange-request.js'
import type { ResourceDirectory } from '../resources/directory.js'
import type { TokenExchangePolicy } from './policy.js'
import type { ExchangedToken } from './subject-token.js'

const isOidcScope = (scope: string): boolean => (OIDC_SCOPES as readonly string[]).includes(scope)

/**
 * The targets a request names (RFC 8693 §2.1 `resource` and `audience`). Both may be sent, but then they
 * must name the same targets: a token is for one set of audiences, and a request that names two different
 * ones says nothing clear about which the token is for.
 */
export function requestedTargets(request: TokenExchangeRequest): string[] {
  const { resources, audiences } = request
  if (resources.length > 0 && audiences.length > 0) {
    const same = resources.length === audiences.length && resources.every((target) => audiences.includes(target))
    if (!same) throw new OAuthError('invalid_target', 'resource and audience name different targets')
  }
  return resources.length > 0 ? [...resources] : [...audiences]
}

/**
 * The audience of an exchanged access token (RFC 8693 §2.1, §2.2.2 `invalid_target`). Each named target
 * must be an API this server knows (or the issuer itself) and either one the subject token is already for
 * or one the client's policy lists. Naming none keeps the subject token's own audience — never every
 * target the client could reach — and the token still lives no longer than the subject token.
 */
export function exchangedAudience(directory: ResourceDirectory, issuer: string, policy: TokenExchangePolicy, subject: ExchangedToken, targets: readonly string[]): string[] {
  const subjectAudience = subject.type === 'access_token' ? subject.audience : []
  if (targets.length === 0) {
    if (subjectAudience.length === 0) throw new OAuthError('invalid_target', 'Name the target with resource or audience')
    return [...subjectAudience]
  }
  for (const target of targets) {
    const known = target === issuer || directory.find(target) !== undefined
    const allowed = subjectAudience.includes(target) || (policy.audiences ?? []).includes(target)
    if (!known || !allowed) throw new OAuthError('invalid_target', 'The requested target is unknown or not allowed for this client', { detail: target })
  }
  return [...targets]
}

/**
 * RFC 8693 §2.1 `scope`, narrowing only (§5: limit delegated rights): at most the subject token's scopes
 * (for a token that carries none, an ID token, the policy's), within the policy's `scopes` and the
 * client's registered scopes, never an
 * OpenID Connect scope (an exchanged token gets no ID token, no refresh token, no userinfo scope).
 * A wider request is `invalid_scope`; none requested gets the whole ceiling.
 */
export function exchangedScopes(policy: TokenExchangePolicy, subject: ExchangedToken, requested: readonly string[], clientScopes: readonly string[]): string[] {
  // The token is issued to the exchanging client: never a scope it is not registered for (RFC 6749 §3.3).
  let ceiling = (subject.scopes ?? policy.scopes ?? []).filter((scope) => !isOidcScope(scope) && clientScopes.includes(scope))
  if (policy.scopes) ceiling = ceiling.filter((scope) => policy.scopes?.includes(scope))
  if (!isSubset(requested, ceiling)) throw new OAuthError('invalid_scope', 'The requested scope exceeds what the subject token and the client\'s policy allow')
  return requested.length > 0 ? [...requested] : ceiling
}
