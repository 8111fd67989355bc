import { OAuthError } from '../../errors.js'
import { OIDC_SCOPES } from '../../protocol/oidc/claims.js'
import type { AuthorizationRequest } from '../../protocol/rfc6749/authorization-request.js'
import type { ClientRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { loadResources, type ResourceDirectory } from './directory.js'

/** The `aud` and `scope` of one access token. */
export interface TokenTarget {
  audience: string[]
  scopes: string[]
}

/** What a grant was authorized for: its scopes and the resources its authorization request named (maybe none). */
export interface AuthorizedGrant {
  scopes: readonly string[]
  resources: readonly string[]
}

const isOidcScope = (scope: string): boolean => (OIDC_SCOPES as readonly string[]).includes(scope)

/**
 * The audience and scope of an access token from a grant and the token request's `resource` values
 * (RFC 8707 §2.2: the token request may narrow what was authorized, never widen it).
 *
 * - The grant named resources: the token request may name any of them, one or several (`aud` then holds
 *   exactly those); one outside the grant is `invalid_target`. Naming none gets the first resource of the
 *   authorization request: one audience per token (RFC 8707 §3), never all of them.
 * - The grant named none: a named resource must be known and one of the granted scopes must be its own
 *   (else `invalid_target`); naming none keeps the audience Tessera has always given, every API whose
 *   scopes were granted, or the issuer alone.
 * - Scopes belong to resources: a token for named resources carries only their scopes plus the OpenID
 *   Connect ones; the others are dropped from this token (the response's `scope` says so, RFC 6749 §5.1)
 *   and stay in the grant for a token for another resource.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 */
export function tokenTarget(directory: ResourceDirectory, issuer: string, grant: AuthorizedGrant, requested: readonly string[]): TokenTarget {
  const scopesOf = (identifier: string): readonly string[] => Object.keys(directory.find(identifier)?.scopes ?? {})
  for (const resource of requested) {
    const allowed = grant.resources.length > 0
      ? grant.resources.includes(resource)
      : grant.scopes.some((scope) => scopesOf(resource).includes(scope))
    if (!allowed) throw new OAuthError('invalid_target', 'The requested resource was not authorized for this grant')
  }
  const [first] = grant.resources
  const audience = requested.length > 0 ? [...requested] : first !== undefined ? [first] : undefined
  if (!audience) {
    const apis = directory.resources.filter((api) => grant.scopes.some((scope) => scope in api.scopes)).map((api) => api.identifier)
    return { audience: apis.length > 0 ? apis : [issuer], scopes: [...grant.scopes] }
  }
  const scopes = grant.scopes.filter((scope) => isOidcScope(scope) || audience.some((identifier) => scopesOf(identifier).includes(scope)))
  return { audience, scopes }
}

/**
 * Authorization-request rules of RFC 8707 §2.1 that need the directory: every resource is known and the
 * client may use it (one of its allowed scopes is the resource's), and every requested API scope belongs to
 * a requested resource. `undefined` when the request passes; checked once the user is known, so the
 * answer does not tell an anonymous visitor which APIs exist.
 */
export function authorizationTargetError(directory: ResourceDirectory, clientScopes: readonly string[], resources: readonly string[], scopes: readonly string[]): OAuthError | undefined {
  if (resources.length === 0) return undefined
  for (const identifier of resources) {
    const resource = directory.find(identifier)
    if (!resource || !clientScopes.some((scope) => scope in resource.scopes)) {
      return new OAuthError('invalid_target', 'A requested resource is unknown or not allowed for this client')
    }
  }
  const stray = scopes.find((scope) => !isOidcScope(scope) && !resources.some((identifier) => scope in (directory.find(identifier)?.scopes ?? {})))
  return stray === undefined ? undefined : new OAuthError('invalid_scope', `The scope ${stray} does not belong to a requested resource`)
}

/** `authorizationTargetError` for a validated authorization request of `client`, against the directory now. */
export async function checkAuthorizationTargets(ctx: ServerContext, client: ClientRecord, request: AuthorizationRequest): Promise<OAuthError | undefined> {
  if (request.resources.length === 0) return undefined
  return authorizationTargetError(await loadResources(ctx), client.scopes, request.resources, request.scopes)
}
