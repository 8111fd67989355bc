import { OIDC_SCOPES } from '../../protocol/oidc/claims.js'
import type { ServerContext } from '../context.js'
import type { ResourceConfig } from '../settings.js'
import { listStoredResources } from './stored-resources.js'

/** An API the server issues tokens for: from `config.resources` or from the store. */
export interface KnownResource extends ResourceConfig {
  /** The client id it introspects with; null for a configured API (no credentials of its own). */
  readonly introspectionClientId: string | null
}

/**
 * The APIs known at this moment. Read from the store on every request that needs it (one indexed query),
 * never cached: `tessera-oidc resource create` takes effect on a running server with the next request.
 */
export interface ResourceDirectory {
  readonly resources: readonly KnownResource[]
  find(identifier: string): KnownResource | undefined
  /** The resource that authenticates as `clientId` at the introspection endpoint. */
  ofIntrospectionClient(clientId: string): KnownResource | undefined
  /** The resource a scope belongs to (a scope names one API). */
  ofScope(scope: string): KnownResource | undefined
  /** OpenID Connect scopes and every API's scopes. */
  readonly scopesSupported: readonly string[]
  /** Consent-page wording for API scopes. */
  readonly scopeDescriptions: Readonly<Record<string, string>>
}

/**
 * The configured APIs, then the stored ones. A stored resource whose identifier or scope a configured
 * one already has is left out: the configuration is what the operator deployed, the store what was added.
 */
export async function loadResources(ctx: ServerContext): Promise<ResourceDirectory> {
  const resources: KnownResource[] = ctx.config.resources.map((resource) => ({ ...resource, introspectionClientId: null }))
  const scopeDescriptions: Record<string, string> = { ...ctx.config.scopeDescriptions }
  for (const stored of await listStoredResources(ctx.config.store)) {
    if (resources.some((known) => known.identifier === stored.identifier)) continue
    if (Object.keys(stored.scopes).some((scope) => scope in scopeDescriptions)) continue
    resources.push({ identifier: stored.identifier, scopes: stored.scopes, introspectionClientId: stored.client_id })
    Object.assign(scopeDescriptions, stored.scopes)
  }
  return {
    resources,
    find: (identifier) => resources.find((resource) => resource.identifier === identifier),
    ofIntrospectionClient: (clientId) => resources.find((resource) => resource.introspectionClientId === clientId),
    ofScope: (scope) => resources.find((resource) => scope in resource.scopes),
    scopesSupported: [...OIDC_SCOPES, ...Object.keys(scopeDescriptions)],
    scopeDescriptions,
  }
}
