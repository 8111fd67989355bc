import { formParameters, hasFormBody } from '../http/form.js'
import type { OAuthRequest } from '../http/types.js'
import { OAuthError } from '../errors.js'
import { extractBearerToken, isBearerTokenSyntax } from '../protocol/rfc6750/bearer.js'

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

/** An access token and the scheme it came under: `Bearer` (RFC 6750) or `DPoP` (RFC 9449 §7.1). */
export interface PresentedToken {
  token: string
  scheme: 'bearer' | 'dpop'
}

/**
 * The access token of a request: `Authorization: DPoP <token>` when `dpop` is on (RFC 9449 §7.1), else
 * the bearer token (`bearerTokenFrom`). A DPoP token too is the only token of the request, and has the
 * b64token syntax. Throws `invalid_request` or `invalid_token`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export function presentedTokenFrom(request: OAuthRequest, dpop: boolean, known?: (token: string) => boolean): PresentedToken | undefined {
  const authorization = request.headers.get('authorization')
  if (dpop && authorization !== null && /^dpop(?: |$)/i.test(authorization)) {
    const token = authorization.slice(4).trim()
    if (token === '') throw new OAuthError('invalid_request', 'Empty DPoP token')
    const inForm = request.method !== 'GET' && request.method !== 'HEAD' && hasFormBody(request) && formParameters(request).has('access_token')
    if (inForm || queryHas(request, 'access_token')) throw new OAuthError('invalid_request', 'Use exactly one method to send the access token')
    if (!known?.(token) && !isBearerTokenSyntax(token)) throw new OAuthError('invalid_token', 'Malformed access token')
    return { token, scheme: 'dpop' }
  }
  const token = bearerTokenFrom(request, known)
  return token === undefined ? undefined : { token, scheme: 'bearer' }
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
