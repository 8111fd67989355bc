import { methodNotAllowed, publicJsonResponse } from '../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../http/types.js'

/** RFC 9728 §2 protected resource metadata, as this resource server publishes it. */
export interface ProtectedResourceMetadata {
  resource: string
  authorization_servers: string[]
  bearer_methods_supported: Array<'header' | 'body'>
  scopes_supported?: string[]
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource'

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

/**
 * The path the metadata is served at: RFC 9728 §3.1 inserts the well-known segment between the host
 * and the resource's path, so `https://api.example.com/notes` is described at
 * `/.well-known/oauth-protected-resource/notes`. A resource identifier that is not a URL gets the bare
 * well-known path.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function protectedResourceMetadataPath(resource: string): string {
  let url: URL
  try {
    url = new URL(resource)
  } catch {
    return WELL_KNOWN
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return WELL_KNOWN
  return `${WELL_KNOWN}${url.pathname.replace(/\/+$/, '')}`
}

/**
 * The absolute URL of the metadata document (RFC 9728 §3.1), for the `resource_metadata` member of the
 * challenges (§5.1): the resource's origin with the well-known segment inserted before its path. A
 * resource identifier that is not an http(s) URL has no such location, and gets `undefined`.
 *
 * @example
 * ```ts
 * protectedResourceMetadataUrl('http://localhost:3001/mcp') // 'http://localhost:3001/.well-known/oauth-protected-resource/mcp'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function protectedResourceMetadataUrl(resource: string): string | undefined {
  let url: URL
  try {
    url = new URL(resource)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  return `${url.origin}${protectedResourceMetadataPath(resource)}`
}

/**
 * Answers a metadata request: GET or HEAD, JSON that may be cached for five minutes.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.2
 */
export function protectedResourceMetadataResponse(metadata: ProtectedResourceMetadata, request: OAuthRequest): OAuthResponse {
  if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(['GET', 'HEAD'])
  return publicJsonResponse(metadata, 300)
}
