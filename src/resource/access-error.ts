import type { OAuthResponse } from '../http/types.js'

/** The RFC 6750 §3.1 JSON body of a refusal. */
export interface RefusalBody {
  error: string
  error_description?: string
}

/**
 * The header names as the RFCs spell them (Headers yields them in lower case): an app reading
 * `headers['WWW-Authenticate']` finds the challenge, and frameworks set them case-insensitively anyway.
 */
const SPELLING: Readonly<Record<string, string>> = {
  'www-authenticate': 'WWW-Authenticate',
  'dpop-nonce': 'DPoP-Nonce',
  'cache-control': 'Cache-Control',
  pragma: 'Pragma',
}

/**
 * A request the resource server refused, as the Express and Fastify adapters hand it to the app's error
 * handling (Express: `next(err)` from `requireAuth`; Fastify: thrown by `app.requireAuth(…)`): `status`
 * (and `statusCode`, the member Fastify reads) — 400 `invalid_request`, 401 without a usable token, 403
 * `insufficient_scope`, 413 for a body over 64 KiB, 500 or 503 when the token could not be checked —, the
 * RFC 6750 §3.1 error `code` (none for a request that carried no token), the `headers` that belong to the
 * answer but not to its body (`WWW-Authenticate`, `DPoP-Nonce` when the API wants a nonce, `Cache-Control`,
 * `Pragma`; the members both frameworks' default handlers apply), the JSON `body` and the whole `response`,
 * which each adapter's `resourceErrorHandler()` sends byte for byte. `message` is the client-safe
 * description the challenge carries; there is no stack trace to leak (Express's final handler prints
 * `stack` outside production).
 *
 * @example
 * ```ts
 * import { ResourceAccessError } from 'tessera-oidc/resource'
 *
 * app.use((err, req, res, next) => {
 *   if (!(err instanceof ResourceAccessError)) return next(err)
 *   res.status(err.status).set(err.headers).json(err.body ?? { error: 'unauthorized' })
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export class ResourceAccessError extends Error {
  /** The HTTP status to answer. */
  readonly status: number
  /** The same status, under the name Fastify's error handling (and Express's final handler) also read. */
  readonly statusCode: number
  /** The RFC 6750 §3.1 error code (`invalid_request`, `invalid_token`, `insufficient_scope`, …); undefined when no token was sent. */
  readonly code: string | undefined
  /** Every header of the answer but those describing its body, named as the RFCs spell them (`WWW-Authenticate`, `DPoP-Nonce`, `Cache-Control`). */
  readonly headers: Readonly<Record<string, string>>
  /** The JSON body, `{ error, error_description? }`; undefined for a bare 401 challenge (RFC 6750 §3.1). */
  readonly body: Readonly<RefusalBody> | undefined
  /** The complete answer, as `resourceErrorHandler()` writes it. */
  readonly response: OAuthResponse

  constructor(response: OAuthResponse) {
    const body = refusalBody(response)
    super(refusalMessage(response.status, body))
    this.name = 'ResourceAccessError'
    this.status = response.status
    this.statusCode = response.status
    this.code = body?.error
    this.body = body
    this.response = response
    const headers: Record<string, string> = {}
    // The body a framework's own handler writes is its own: only the headers that do not describe a body are carried.
    response.headers.forEach((value, name) => {
      if (name !== 'content-type' && name !== 'content-length') headers[SPELLING[name] ?? name] = value
    })
    this.headers = headers
    // A refusal is an answer, not a fault: no stack trace, which Express's final handler would print.
    this.stack = `${this.name}: ${this.message}`
  }
}

/** The RFC 6750 §3.1 JSON body of a refusal; undefined for a bare challenge or a body that is not one. */
export function refusalBody(response: OAuthResponse): RefusalBody | undefined {
  if (response.body === undefined || response.body === '') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(typeof response.body === 'string' ? response.body : Buffer.from(response.body).toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const { error, error_description: description } = parsed as Record<string, unknown>
  if (typeof error !== 'string') return undefined
  return typeof description === 'string' ? { error, error_description: description } : { error }
}

/**
 * The client-safe message of a refusal: the description its body already carries, else a generic one
 * (RFC 6750 §3.1: a request that sent no credentials gets a challenge without an error code).
 */
export function refusalMessage(status: number, body: RefusalBody | undefined): string {
  if (body?.error_description !== undefined) return body.error_description
  return status === 401 ? 'An access token is required' : status === 413 ? 'Request body too large' : 'The request was refused'
}
