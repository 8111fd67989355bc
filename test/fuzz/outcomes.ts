/**
 * What the fuzz suite accepts as an answer: the protocol's own errors, never a 500, a dropped
 * connection or a stack trace. Each check throws with the offending response, so that fast-check can
 * shrink the input and report the smallest failing request.
 */
import type { RawResponse } from './raw-http.js'

/** RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 6750 §3.1, plus the 429 of the abuse limits. */
export const TOKEN_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_target', 'unsupported_token_type', 'temporarily_unavailable'])
export const BEARER_ERRORS = new Set(['invalid_request', 'invalid_token', 'insufficient_scope'])

function fail(response: RawResponse, why: string): never {
  throw new Error(`${why}: ${response.status} ${JSON.stringify([...response.headers])} ${response.body.subarray(0, 300).toString('utf8')}`)
}

function noLeak(response: RawResponse): void {
  if (response.status >= 500) fail(response, 'server error')
  if (/\bat [\w.<>]+ \(|node:internal|\/src\/|TypeError|RangeError|URIError/.test(response.body.toString('utf8'))) fail(response, 'stack trace or internal error in the body')
}

function jsonError(response: RawResponse, codes: Set<string>): void {
  if (!/^application\/json/.test(response.header('content-type') ?? '')) fail(response, 'error without a JSON body')
  let body: unknown
  try {
    body = response.json()
  } catch {
    fail(response, 'unparseable JSON error body')
  }
  const error = (body as { error?: unknown }).error
  if (typeof error !== 'string' || !codes.has(error)) fail(response, 'not a protocol error code')
  const description = (body as { error_description?: unknown }).error_description
  // RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
  if (description !== undefined && (typeof description !== 'string' || !/^[\x20\x21\x23-\x5B\x5D-\x7E]*$/.test(description))) fail(response, 'error_description outside RFC 6749 §5.2')
}

/** Token, revocation and introspection answers: a success (the fuzzer may build a valid request), or a §5.2 error. */
export function expectTokenEndpointAnswer(response: RawResponse, method: string): void {
  noLeak(response)
  if (response.status < 400) {
    if (response.status !== 200) fail(response, 'unexpected success status')
    return
  }
  if (method === 'HEAD') return
  if (response.status === 401 && !response.header('www-authenticate')) fail(response, '401 without WWW-Authenticate')
  if (response.status === 429 && !response.header('retry-after')) fail(response, '429 without Retry-After')
  jsonError(response, TOKEN_ERRORS)
}

/** The authorization endpoint: a redirect, or an error page (HTML), or a JSON error for limits met before routing. */
export function expectAuthorizeAnswer(response: RawResponse, method: string): void {
  noLeak(response)
  if (response.status === 303 || response.status === 302) {
    const location = response.header('location') ?? ''
    if (!/^https?:\/\//.test(location)) fail(response, 'redirect without an absolute Location')
    return
  }
  if (response.status === 200) return
  if (method === 'HEAD') return
  const type = response.header('content-type') ?? ''
  if (/^text\/html/.test(type)) return
  jsonError(response, TOKEN_ERRORS)
}

/** Userinfo and the demo API: 200, or an RFC 6750 error with its challenge. */
export function expectBearerAnswer(response: RawResponse, method: string): void {
  noLeak(response)
  if (response.status < 400) return
  if (method === 'HEAD') return
  if (response.status === 401 && !/^Bearer\b/.test(response.header('www-authenticate') ?? '')) fail(response, '401 without a Bearer challenge')
  if ([404, 405, 413, 414, 431].includes(response.status)) {
    jsonError(response, TOKEN_ERRORS)
    return
  }
  if (response.body.length > 0) jsonError(response, BEARER_ERRORS)
  else if (!/error="[a-z_]+"/.test(response.header('www-authenticate') ?? '') && response.status !== 401) fail(response, 'error without body or challenge')
}
