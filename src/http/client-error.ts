import type { Duplex } from 'node:stream'
import { MAX_QUERY_LENGTH } from './types.js'

interface ParserError extends Error {
  code?: string
  rawPacket?: Buffer
}

const CRLF = Buffer.from('\r\n')

/** Status of a request Node's parser refused, chosen from what overflowed (RFC 9110 §15.5.15, RFC 6585 §5). */
function statusOf(error: ParserError): [number, string, string] {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    // Node counts the request line into maxHeaderSize; a request line still open (or longer than any
    // accepted query) means the target was too long, anything else the header fields.
    const packet = error.rawPacket
    const lineEnd = packet ? packet.indexOf(CRLF) : -1
    const requestLine = lineEnd === -1 ? (packet?.length ?? 0) : lineEnd
    if (packet && (lineEnd === -1 || requestLine > MAX_QUERY_LENGTH)) return [414, 'URI Too Long', 'The request target is too long']
    return [431, 'Request Header Fields Too Large', 'The request header fields are too large']
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'Request Timeout', 'The request took too long to arrive']
  return [400, 'Bad Request', 'Malformed HTTP request']
}

/**
 * A `clientError` listener for `node:http` servers: requests that Node's parser refuses (oversized
 * headers or target, NUL bytes, broken framing) get a JSON OAuth error body instead of Node's empty
 * answer, and the connection is closed. Node's own `maxHeaderSize` (16 KiB by default) stays the limit.
 *
 * @example
 * ```ts
 * const server = http.createServer(nodeHandler(as, as.issuer))
 * server.on('clientError', answerClientError)
 * ```
 * @see https://nodejs.org/api/http.html#event-clienterror
 */
export function answerClientError(error: Error, socket: Duplex): void {
  const parserError: ParserError = error
  if (parserError.code === 'ECONNRESET' || !socket.writable || ('_httpMessage' in socket && socket._httpMessage)) {
    // A response already started on this socket (or the peer left): nothing sensible can be written.
    socket.destroy()
    return
  }
  const [status, reason, description] = statusOf(parserError)
  const body = JSON.stringify({ error: 'invalid_request', error_description: description })
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}
