import { publicJsonResponse } from '../../http/response.js'
import type { OAuthResponse } from '../../http/types.js'
import type { ServerContext } from '../context.js'

/**
 * Authorization server metadata: one document served at both `/.well-known/openid-configuration`
 * (OIDC Discovery §4) and `/.well-known/oauth-authorization-server` (RFC 8414 §3). `issuer` is the
 * configured string, never rebuilt from request headers (RFC 8414 §3.3). Everything else comes from the
 * registered capabilities: each endpoint's URL under the member it names, the grant types and client
 * authentication methods they register, and the members they add.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function serverMetadata(ctx: ServerContext): Record<string, unknown> {
  const { registry, urls } = ctx
  const metadata: Record<string, unknown> = { issuer: ctx.config.issuer }
  for (const endpoint of registry.endpoints) if (endpoint.metadata) metadata[endpoint.metadata] = urls[endpoint.name]
  metadata.grant_types_supported = [...registry.grantTypes]
  metadata.token_endpoint_auth_methods_supported = registry.authMethodsFor('token')
  if (urls.revocation) metadata.revocation_endpoint_auth_methods_supported = registry.authMethodsFor('revocation')
  if (urls.introspection) metadata.introspection_endpoint_auth_methods_supported = registry.authMethodsFor('introspection')
  for (const capability of registry.capabilities) if (capability.metadata) Object.assign(metadata, capability.metadata(ctx))
  return metadata
}

export function discoveryEndpoint(ctx: ServerContext): OAuthResponse {
  return publicJsonResponse(serverMetadata(ctx), 300)
}
