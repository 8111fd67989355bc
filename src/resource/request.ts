import { formParameters, hasFormBody } from '../http/form.js'
import type { OAuthRequest } from '../http/types.js'
import { extractBearerToken } from '../protocol/rfc6750/bearer.js'

/**
 * The bearer token of a request: the `Authorization` header (RFC 6750 §2.1) or an `access_token` form
 * parameter (§2.2: form-encoded body, and not GET, whose body has no defined semantics). Exactly one
 * method; the query (§2.3) is never accepted (RFC 9700 §4.3.2). `undefined` when no token was sent.
 * Throws `invalid_request` or `invalid_token`. `known`: see `extractBearerToken`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 */
export function bearerTokenFrom(request: OAuthRequest, known?: (token: string) => boolean): string | undefined {
  let formToken: string | undefined
  if (request.method !== 'GET' && request.method !== 'HEAD' && hasFormBody(request)) {
    const params = formParameters(request)
    // Present but empty is a malformed token, not an absent one.
    if (params.has('access_token')) formToken = params.get('access_token') ?? ''
  }
  return extractBearerToken({
    authorization: request.headers.get('authorization'),
    formToken,
    queryToken: queryHas(request, 'access_token'),
  }, known)
}

/** Whether the query has parameter `name`, from `href` without a URL parse when that is equivalent. */
function queryHas(request: OAuthRequest, name: string): boolean {
  const href = request.href
  // The URL parser drops tabs and newlines; such a string is left to it.
  if (href === undefined || /[\t\n\r]/.test(href)) return request.url.searchParams.has(name)
  const query = href.indexOf('?')
  if (query === -1) return false
  const fragment = href.indexOf('#', query)
  return new URLSearchParams(href.slice(query + 1, fragment === -1 ? undefined : fragment)).has(name)
}
