import { DEFAULT_BODY_LIMIT, type OAuthRequest, type OAuthResponse } from './types.js'

export class BodyTooLargeError extends Error {
  constructor() {
    super('Request body too large')
    this.name = 'BodyTooLargeError'
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

/** Converts a web `Request`; throws `BodyTooLargeError` past `bodyLimit`. */
export async function fromWebRequest(request: Request, options: { bodyLimit?: number; remoteAddress?: string } = {}): Promise<OAuthRequest> {
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
