import { DEFAULT_BODY_LIMIT, type OAuthRequest, type OAuthResponse } from './types.js'

/** A request body over the limit (RFC 9110 §15.5.14: answer 413); thrown by `fromWebRequest` before reading past it. */
export class BodyTooLargeError extends Error {
  /** Read by Express's error handling (`err.status`), so the error answers 413 wherever it lands. */
  readonly status = 413

  constructor() {
    super('Request body too large')
    this.name = 'BodyTooLargeError'
    // A refused body is an answer, not a fault: Express's final handler prints `stack` outside production.
    this.stack = `${this.name}: ${this.message}`
  }
}

/** Reads a stream into memory, refusing more than `limit` bytes without buffering the rest. */
export async function readBounded(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array | undefined> {
  if (!stream) return undefined
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw new BodyTooLargeError()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}

/**
 * A web `Request` as the `OAuthRequest` that `handle()` and `tessera-oidc/resource` take; throws
 * `BodyTooLargeError` past `bodyLimit` (default 64 KiB).
 *
 * @example
 * ```ts
 * const result = await rs.requireScopes('notes:read')(await fromWebRequest(request))
 * if (!result.ok) return toWebResponse(result.response)
 * ```
 * @see https://fetch.spec.whatwg.org/#request-class
 */
export async function fromWebRequest(request: Request, options: { bodyLimit?: number; remoteAddress?: string | undefined } = {}): Promise<OAuthRequest> {
  const length = Number(request.headers.get('content-length') ?? '0')
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  if (length > limit) throw new BodyTooLargeError()
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD'
  return {
    method: request.method,
    url: new URL(request.url),
    headers: request.headers,
    body: hasBody ? await readBounded(request.body, limit) : undefined,
    remoteAddress: options.remoteAddress,
  }
}

/**
 * An `OAuthResponse` as a web `Response`, every header kept (`Set-Cookie` included).
 *
 * @example return toWebResponse(await server.handle(oauthRequest))
 * @see https://fetch.spec.whatwg.org/#response-class
 */
export function toWebResponse(response: OAuthResponse): Response {
  // Uint8Array is a valid BodyInit at run time; lib.dom's typing lags behind ArrayBufferLike.
  return new Response((response.body ?? null) as BodyInit | null, { status: response.status, headers: response.headers })
}

export function payloadTooLarge(): Response {
  return new Response(JSON.stringify({ error: 'invalid_request', error_description: 'Request body too large' }), {
    status: 413,
    // Close rather than read and discard the rest of a refused body to keep the connection (catalogue RL-05).
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Connection: 'close' },
  })
}
