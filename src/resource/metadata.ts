import { methodNotAllowed, publicJsonResponse } from '../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../http/types.js'

/** RFC 9728 §2 protected resource metadata, as this resource server publishes it. */
export interface ProtectedResourceMetadata {
  resource: string
  authorization_servers: string[]
  bearer_methods_supported: Array<'header' | 'body'>
  scopes_supported?: string[]
  /** RFC 9728 §2: the DPoP proof algorithms accepted, when the resource takes DPoP-bound tokens (RFC 9449). */
  dpop_signing_alg_values_supported?: string[]
}

/**
 * The metadata document of a resource server: its identifier, the issuer that protects it, and the
 * token transports it accepts (header and form body, never the query: RFC 9700 §4.3.2).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export function protectedResourceMetadata(input: { audience: string; issuer: string; scopesSupported?: readonly string[] | undefined }): ProtectedResourceMetadata {
  return {
    resource: input.audience,
    authorization_servers: [input.issuer],
    bearer_methods_supported: ['header', 'body'],
    ...(input.scopesSupported ? { scopes_supported: [...input.scopesSupported] } : {}),
  }
}

// RFC 9728 §3.1's location rules live in protocol/, shared with the doctor's and clients' discovery.
export { protectedResourceMetadataPath, protectedResourceMetadataUrl } from '../protocol/rfc9728/resource-metadata.js'

/**
 * Answers a metadata request: GET or HEAD, JSON that may be cached for five minutes.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.2
 */
export function protectedResourceMetadataResponse(metadata: ProtectedResourceMetadata, request: OAuthRequest): OAuthResponse {
  if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(['GET', 'HEAD'])
  return publicJsonResponse(metadata, 300)
}
