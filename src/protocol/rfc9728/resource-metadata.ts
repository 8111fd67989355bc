/** RFC 9728 §3: the well-known suffix registered for protected resource metadata. */
export const PROTECTED_RESOURCE_METADATA_SUFFIX = '/.well-known/oauth-protected-resource'

function parseUrl(value: string): URL | null {
  try {
    return new URL(value)
  } catch {
    return null
  }
}

/**
 * RFC 9728 §2 protected resource metadata as a client reads it: `resource` is required, every other
 * member optional; members this type does not name may be present.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export interface ProtectedResourceMetadataDocument {
  resource: string
  authorization_servers?: string[]
  jwks_uri?: string
  scopes_supported?: string[]
  bearer_methods_supported?: string[]
  resource_signing_alg_values_supported?: string[]
  resource_name?: string
  resource_documentation?: string
}

/**
 * The path of the metadata of `resource`: RFC 9728 §3.1 inserts the well-known segment between the host
 * and the resource's path (any terminating "/" removed), so `https://api.example.com/notes` is described
 * at `/.well-known/oauth-protected-resource/notes`. A resource identifier that is not an http(s) URL gets
 * the bare well-known path.
 *
 * @example
 * ```ts
 * protectedResourceMetadataPath('https://api.example.com/notes') // '/.well-known/oauth-protected-resource/notes'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function protectedResourceMetadataPath(resource: string): string {
  const url = parseUrl(resource)
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) return PROTECTED_RESOURCE_METADATA_SUFFIX
  return `${PROTECTED_RESOURCE_METADATA_SUFFIX}${url.pathname.replace(/\/+$/, '')}`
}

/**
 * The absolute URL of the metadata of `resource` (RFC 9728 §3.1): its origin with the well-known
 * segment inserted before its path; `undefined` for an identifier that is not an http(s) URL.
 *
 * @example
 * ```ts
 * protectedResourceMetadataUrl('http://localhost:3001/mcp') // 'http://localhost:3001/.well-known/oauth-protected-resource/mcp'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function protectedResourceMetadataUrl(resource: string): string | undefined {
  const url = parseUrl(resource)
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) return undefined
  // §3.1 inserts the segment before the path "and/or query components": a query stays on the URL.
  return `${url.origin}${protectedResourceMetadataPath(resource)}${url.search}`
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
  const candidates: { resource: string; metadataUrl: string }[] = []
  for (const resource of [url.href, `${url.origin}/`]) {
    const metadataUrl = protectedResourceMetadataUrl(resource)
    if (metadataUrl !== undefined && !candidates.some((candidate) => candidate.resource === resource)) candidates.push({ resource, metadataUrl })
  }
  return candidates
}

/**
 * How a metadata document's `resource` relates to the URL the client used:
 * - `identical`: what RFC 9728 §3.3 requires (no normalization);
 * - `prefix`: same origin and a path prefix of it — accepted by some MCP clients, refused by a strict one;
 * - `different`: the document describes another resource and MUST NOT be used.
 */
export type ResourceMatch = 'identical' | 'prefix' | 'different'

/**
 * Compares the `resource` of a fetched metadata document with the URL the client requested (or into
 * which it inserted the well-known segment). RFC 9728 §3.3: "If these values are not identical, the data
 * contained in the response MUST NOT be used"; §7.3 explains the impersonation this prevents.
 *
 * @example
 * ```ts
 * matchResource('https://api.example.com/mcp', 'https://api.example.com/mcp') // 'identical'
 * matchResource('https://api.example.com/mcp', 'https://api.example.com/') // 'prefix'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.3
 */
export function matchResource(requested: string, documentResource: unknown): ResourceMatch {
  if (typeof documentResource !== 'string') return 'different'
  if (documentResource === requested) return 'identical'
  const want = parseUrl(requested)
  const got = parseUrl(documentResource)
  if (want === null || got === null || got.origin !== want.origin || got.search !== '' || got.hash !== '') return 'different'
  const base = got.pathname.endsWith('/') ? got.pathname : `${got.pathname}/`
  return want.pathname === got.pathname || want.pathname.startsWith(base) ? 'prefix' : 'different'
}

/** A member of a fetched metadata document that does not have the type RFC 9728 §2 gives it. */
export interface MetadataMemberProblem {
  member: string
  problem: string
}

const STRING_ARRAYS = ['authorization_servers', 'scopes_supported', 'bearer_methods_supported', 'resource_signing_alg_values_supported'] as const

/**
 * Reads a fetched protected resource metadata document: a JSON object with a string `resource`, and the
 * array members as arrays of strings. Returns the typed document and the members of the wrong type.
 *
 * @example
 * ```ts
 * const { metadata, problems } = readProtectedResourceMetadata(await response.json())
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export function readProtectedResourceMetadata(body: unknown): { metadata?: ProtectedResourceMetadataDocument; problems: MetadataMemberProblem[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { problems: [{ member: '', problem: 'the document is not a JSON object' }] }
  const document = body as Record<string, unknown>
  const problems: MetadataMemberProblem[] = []
  if (typeof document.resource !== 'string') problems.push({ member: 'resource', problem: 'is required and must be a string' })
  for (const member of STRING_ARRAYS) {
    const value = document[member]
    if (value !== undefined && !(Array.isArray(value) && value.every((item) => typeof item === 'string'))) {
      problems.push({ member, problem: 'must be an array of strings' })
    }
  }
  if (typeof document.resource !== 'string') return { problems }
  return { metadata: document as unknown as ProtectedResourceMetadataDocument, problems }
}
