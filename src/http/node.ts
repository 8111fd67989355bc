import type { IncomingMessage, ServerResponse } from 'node:http'
import { BodyTooLargeError } from './web.js'
import { DEFAULT_BODY_LIMIT, type OAuthRequest, type OAuthResponse } from './types.js'

/**
 * Reads a Node request body into memory, refusing more than `limit` bytes: a declared Content-Length
 * before reading anything, a chunked body as soon as it crosses the limit (RFC 9110 §15.5.14). A refused
 * body is left paused, not destroyed, so that the 413 can still be written on the socket.
 */
export function readNodeBody(message: IncomingMessage, limit: number): Promise<Uint8Array> {
  if (Number(message.headers['content-length'] ?? '0') > limit) return Promise.reject(new BodyTooLargeError())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const settle = (error: Error | undefined): void => {
      message.off('data', onData)
      message.off('end', onEnd)
      message.off('error', onError)
      message.off('close', onClose)
      if (error) reject(error)
      else resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size))
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        message.pause()
        settle(new BodyTooLargeError())
      } else chunks.push(chunk)
    }
    const onEnd = (): void => settle(undefined)
    const onError = (error: Error): void => settle(error)
    const onClose = (): void => settle(new Error('Request closed before its body was complete'))
    message.on('data', onData)
    message.on('end', onEnd)
    message.on('error', onError)
    message.on('close', onClose)
  })
}

/**
 * Reads a body stream (a Node request as an async iterable) into memory, refusing more than `limit` bytes.
 * Unlike `readNodeBody` it declines nothing before reading, and leaving the loop early destroys the
 * stream: what the Express resource middleware has always done, kept as it is for now (a chunked body
 * over the limit ends in a reset connection there, where `readNodeBody` would let the 413 through).
 *
 * @example const body = await readBodyStream(req, DEFAULT_BODY_LIMIT)
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14
 */
export async function readBodyStream(stream: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of stream) {
    size += chunk.byteLength
    if (size > limit) throw new BodyTooLargeError()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * Headers from Node's `rawHeaders`, every occurrence kept: Node's `headers` object drops a repeated
 * `Authorization`, and a request with two must be refused (RFC 6750 §2), not silently read as one.
 *
 * @example const headers = headersFromRaw(message.rawHeaders)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function headersFromRaw(rawHeaders: readonly string[]): Headers {
  const headers = new Headers()
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]
    const value = rawHeaders[index + 1]
    if (name !== undefined && value !== undefined) headers.append(name, value)
  }
  return headers
}

/**
 * Converts a Node request. `base` is the server's own origin (e.g. the issuer's): the Host header is
 * never trusted to build URLs. `target` is the request target when a framework rewrote `message.url`;
 * `readBody: false` leaves the body out (someone else read it).
 */
export async function fromNodeRequest(message: IncomingMessage, base: string, bodyLimit = DEFAULT_BODY_LIMIT, target = message.url ?? '/', readBody = true): Promise<OAuthRequest> {
  const headers = headersFromRaw(message.rawHeaders)
  if (Number(message.headers['content-length'] ?? '0') > bodyLimit) throw new BodyTooLargeError()
  const method = message.method ?? 'GET'
  const hasBody = readBody && method !== 'GET' && method !== 'HEAD'
  return {
    method,
    url: new URL(target, base),
    headers,
    body: hasBody ? await readNodeBody(message, bodyLimit) : undefined,
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
