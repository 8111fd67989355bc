/** RFC 9728 §3: the well-known suffix of protected-resource metadata. */
export const PROTECTED_RESOURCE_SUFFIX = '/.well-known/oauth-protected-resource'

/**
 * Where RFC 9728 §3.1 puts the metadata of the resource `resource`: the well-known segment inserted
 * between the host and the resource's path (`https://rs.example/mcp` → `…/.well-known/oauth-protected-resource/mcp`),
 * the query kept.
 *
 * @example protectedResourceMetadataUrl('https://rs.example/mcp') // 'https://rs.example/.well-known/oauth-protected-resource/mcp'
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = new URL(resource)
  // RFC 9728 §3.1: "any terminating slash MUST be removed" before the well-known segment is inserted.
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '')
  return `${url.origin}${PROTECTED_RESOURCE_SUFFIX}${path}${url.search}`
}

/**
 * The resource identifiers a client tries for `serverUrl` when no `resource_metadata` was given, each with
 * the metadata URL it implies: the server URL itself (path-inserted), then its origin (the MCP 2025-11-25
 * fallback). RFC 9728 §3.3: the metadata's `resource` must equal the identifier it was fetched for.
 *
 * @example resourceCandidates('https://rs.example/mcp') // [{ resource: 'https://rs.example/mcp', … }, { resource: 'https://rs.example/', … }]
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.3
 */
export function resourceCandidates(serverUrl: string): { resource: string; metadataUrl: string }[] {
  const url = new URL(serverUrl)
  url.hash = ''
  const candidates = [{ resource: url.href, metadataUrl: protectedResourceMetadataUrl(url.href) }]
  const origin = `${url.origin}/`
  if (origin !== url.href) candidates.push({ resource: origin, metadataUrl: protectedResourceMetadataUrl(origin) })
  return candidates
}
