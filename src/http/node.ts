import type { IncomingMessage, ServerResponse } from 'node:http'
import { BodyTooLargeError } from './web.js'
import { DEFAULT_BODY_LIMIT, type OAuthRequest, type OAuthResponse } from './types.js'

async function readBody(message: IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of message as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new BodyTooLargeError()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * Converts a Node request. `base` is the server's own origin (e.g. the issuer's): the Host header is
 * never trusted to build URLs.
 */
export async function fromNodeRequest(message: IncomingMessage, base: string, bodyLimit = DEFAULT_BODY_LIMIT): Promise<OAuthRequest> {
  // rawHeaders, not message.headers: Node drops a repeated Authorization header there, and a request with
  // two must be refused (RFC 6750 §2), not silently read as one.
  const headers = new Headers()
  for (let i = 0; i + 1 < message.rawHeaders.length; i += 2) headers.append(message.rawHeaders[i] ?? '', message.rawHeaders[i + 1] ?? '')
  if (Number(message.headers['content-length'] ?? '0') > bodyLimit) throw new BodyTooLargeError()
  const method = message.method ?? 'GET'
  const hasBody = method !== 'GET' && method !== 'HEAD'
  return {
    method,
    url: new URL(message.url ?? '/', base),
    headers,
    body: hasBody ? await readBody(message, bodyLimit) : undefined,
    remoteAddress: message.socket.remoteAddress,
  }
}

export function writeNodeResponse(response: OAuthResponse, target: ServerResponse): void {
  const cookies = response.headers.getSetCookie()
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') target.setHeader(name, value)
  })
  if (cookies.length > 0) target.setHeader('Set-Cookie', cookies)
  target.statusCode = response.status
  target.end(response.body ?? undefined)
}
