import { isLoopbackHost } from '../rfc6749/redirect-uri.js'

/**
 * Whether a fetched metadata document names exactly the issuer it was fetched for. RFC 8414 §3.3: the
 * `issuer` value returned MUST be identical to the issuer identifier into which the well-known segment
 * was inserted — no normalization, a trailing "/" or a different case makes it another issuer.
 *
 * @example
 * ```ts
 * issuerMatches('https://as.example.com', { issuer: 'https://as.example.com/' }) // false
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export function issuerMatches(expected: string, document: Readonly<Record<string, unknown>>): boolean {
  return document.issuer === expected
}

/**
 * Whether `value` is an https URL, or plain http on a loopback host (local development; RFC 8252 §7.3
 * makes the same exception for native clients).
 *
 * @example
 * ```ts
 * isHttpsOrLoopbackUrl('http://127.0.0.1:4000/token') // true
 * isHttpsOrLoopbackUrl('http://as.example.com/token') // false
 * ```
 */
export function isHttpsOrLoopbackUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
}

/**
 * What is wrong with an issuer identifier, empty when nothing is. RFC 8414 §2: "a URL that uses the
 * "https" scheme and has no query or fragment components" (plain http tolerated on loopback).
 *
 * @example
 * ```ts
 * issuerIdentifierProblems('http://as.example.com?tenant=1') // ['uses http on a host that is not loopback', 'has a query component']
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function issuerIdentifierProblems(issuer: string): string[] {
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    return ['is not a URL']
  }
  const problems: string[] = []
  if (!isHttpsOrLoopbackUrl(issuer)) problems.push(url.protocol === 'http:' ? 'uses http on a host that is not loopback' : `uses the ${url.protocol.slice(0, -1)} scheme`)
  if (issuer.includes('?')) problems.push('has a query component')
  if (issuer.includes('#')) problems.push('has a fragment component')
  return problems
}

/**
 * The members of a metadata document that name a URL the client or resource server will send requests
 * or credentials to: every `…_endpoint` (RFC 8414 §2 and the registries that extend it) and `jwks_uri`.
 */
export function endpointMembers(document: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(document).filter((member) => member.endsWith('_endpoint') || member === 'jwks_uri')
}

/**
 * The endpoint members of a metadata document that are not https URLs (plain http allowed on loopback
 * only). RFC 8414 §2 requires https for each endpoint; a key set or token endpoint over plain http can be
 * read or swapped on the way.
 *
 * @example
 * ```ts
 * insecureEndpoints({ issuer, token_endpoint: 'http://as.example.com/token' }) // [{ member: 'token_endpoint', value: 'http://as.example.com/token' }]
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function insecureEndpoints(document: Readonly<Record<string, unknown>>): Array<{ member: string; value: unknown }> {
  return endpointMembers(document)
    .filter((member) => !isHttpsOrLoopbackUrl(document[member]))
    .map((member) => ({ member, value: document[member] }))
}

/**
 * What `code_challenge_methods_supported` says about PKCE (RFC 7636 §4.2, registered for metadata by
 * RFC 8414 §2): `s256` when S256 is listed; `plain-only` when only `plain` is; `absent` when the member is
 * missing — RFC 8414 §2 then means PKCE is not supported, and an MCP client must refuse to proceed;
 * `no-s256` for any other list.
 *
 * @example
 * ```ts
 * pkceSupport({ code_challenge_methods_supported: ['plain'] }) // 'plain-only'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function pkceSupport(document: Readonly<Record<string, unknown>>): 's256' | 'plain-only' | 'absent' | 'no-s256' {
  const methods = document.code_challenge_methods_supported
  if (methods === undefined) return 'absent'
  if (!Array.isArray(methods)) return 'no-s256'
  if (methods.includes('S256')) return 's256'
  return methods.length > 0 && methods.every((method) => method === 'plain') ? 'plain-only' : 'no-s256'
}
