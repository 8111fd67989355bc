import type { OAuthError } from '../errors.js'
import type { OAuthResponse } from './types.js'

/** Headers for responses that carry tokens or token metadata (RFC 6749 §5.1). */
function noStore(headers: Headers): Headers {
  headers.set('Cache-Control', 'no-store')
  headers.set('Pragma', 'no-cache')
  return headers
}

export function jsonResponse(status: number, body: unknown, headers?: HeadersInit): OAuthResponse {
  const h = noStore(headers === undefined ? new Headers() : new Headers(headers))
  h.set('Content-Type', 'application/json')
  return { status, headers: h, body: JSON.stringify(body) }
}

/** JSON that may be cached (discovery, JWKS). */
export function publicJsonResponse(body: unknown, maxAge: number): OAuthResponse {
  return {
    status: 200,
    headers: new Headers({ 'Content-Type': 'application/json', 'Cache-Control': `public, max-age=${maxAge}` }),
    body: JSON.stringify(body),
  }
}

/** RFC 6749 §5.2 error response. */
export function errorResponse(error: OAuthError, headers: HeadersInit = {}): OAuthResponse {
  return jsonResponse(error.status, error.toJSON(), headers)
}

/**
 * 303 so the browser follows with GET and never re-posts a form to the client (RFC 9700 §4.12: 307
 * must not be used).
 */
export function redirectResponse(location: string, headers: HeadersInit = {}): OAuthResponse {
  const h = noStore(new Headers(headers))
  h.set('Location', location)
  h.set('Referrer-Policy', 'no-referrer')
  return { status: 303, headers: h, body: undefined }
}

export function emptyResponse(status: number, headers: HeadersInit = {}): OAuthResponse {
  return { status, headers: noStore(new Headers(headers)), body: undefined }
}

export function methodNotAllowed(allowed: string[]): OAuthResponse {
  return jsonResponse(405, { error: 'invalid_request', error_description: 'Method not allowed' }, { Allow: allowed.join(', ') })
}
