/**
 * A raw HTTP/1.1 client over a loopback socket for fuzzing and limit tests: it sends exactly the bytes it
 * is given (invalid UTF-8, NUL bytes, bad percent-encoding, repeated headers, lying lengths), which
 * `fetch` and `node:http` refuse to produce, and reads one response with `Connection: close`.
 */
import { connect } from 'node:net'

export interface RawResponse {
  status: number
  headers: Map<string, string[]>
  body: Buffer
  header(name: string): string | undefined
  text(): string
  json(): unknown
}

export interface RawRequest {
  method?: string
  /** Request target exactly as sent (not encoded by this helper). */
  target: string
  /** Header lines in order; a Buffer value is sent as raw bytes. Host and Connection are added. */
  headers?: [string, string | Buffer][]
  body?: string | Buffer
  /** `chunked` sends the body with Transfer-Encoding: chunked in `chunkSize` pieces instead of Content-Length. */
  chunked?: boolean
  /** Source address of the connection, e.g. `127.0.0.2` (all of 127/8 is loopback on Linux). */
  localAddress?: string
}

const CRLF = '\r\n'

function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = []
  let offset = 0
  for (let guard = 0; guard < 100_000 && offset < body.length; guard++) {
    const lineEnd = body.indexOf(CRLF, offset)
    if (lineEnd === -1) break
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16)
    if (!Number.isFinite(size) || size === 0) break
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size))
    offset = lineEnd + 2 + size + 2
  }
  return Buffer.concat(parts)
}

function parse(raw: Buffer): RawResponse {
  const headEnd = raw.indexOf(CRLF + CRLF)
  if (headEnd === -1) throw new Error(`no complete response: ${JSON.stringify(raw.subarray(0, 200).toString('latin1'))}`)
  const [statusLine = '', ...lines] = raw.subarray(0, headEnd).toString('latin1').split(CRLF)
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1])
  if (!Number.isInteger(status)) throw new Error(`bad status line ${JSON.stringify(statusLine)}`)
  const headers = new Map<string, string[]>()
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).trim().toLowerCase()
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()])
  }
  let body = raw.subarray(headEnd + 4)
  if (headers.get('transfer-encoding')?.some((value) => /chunked/i.test(value))) body = decodeChunked(body)
  const length = headers.get('content-length')?.[0]
  if (length !== undefined) body = body.subarray(0, Number(length))
  return {
    status,
    headers,
    body,
    header: (name) => headers.get(name.toLowerCase())?.join(', '),
    text: () => body.toString('utf8'),
    json: () => JSON.parse(body.toString('utf8')) as unknown,
  }
}

/** Sends one request and resolves with the response (or rejects if the server closed without answering). */
export function rawRequest(base: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(base)
  const body = request.body === undefined ? undefined : Buffer.from(request.body)
  const head: Buffer[] = [Buffer.from(`${request.method ?? 'GET'} ${request.target} HTTP/1.1${CRLF}Host: ${url.host}${CRLF}Connection: close${CRLF}`, 'latin1')]
  for (const [name, value] of request.headers ?? []) head.push(Buffer.from(`${name}: `, 'latin1'), Buffer.from(value), Buffer.from(CRLF))
  const pieces: Buffer[] = []
  if (body !== undefined && request.chunked) {
    head.push(Buffer.from(`Transfer-Encoding: chunked${CRLF}${CRLF}`))
    for (let offset = 0; offset < body.length; offset += 16 * 1024) {
      const chunk = body.subarray(offset, offset + 16 * 1024)
      pieces.push(Buffer.from(`${chunk.length.toString(16)}${CRLF}`), chunk, Buffer.from(CRLF))
    }
    pieces.push(Buffer.from(`0${CRLF}${CRLF}`))
  } else {
    if (body !== undefined) head.push(Buffer.from(`Content-Length: ${body.length}${CRLF}`))
    head.push(Buffer.from(CRLF))
    if (body !== undefined) pieces.push(body)
  }
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), ...(request.localAddress ? { localAddress: request.localAddress } : {}) })
    const received: Buffer[] = []
    socket.setTimeout(15_000, () => socket.destroy(new Error('timed out')))
    socket.on('data', (data: Buffer) => received.push(data))
    // The server may answer (413) and close before the whole body was written: that is a valid outcome.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error)
    })
    socket.on('close', () => {
      try {
        resolve(parse(Buffer.concat(received)))
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    })
    socket.on('connect', () => {
      socket.write(Buffer.concat(head))
      for (const piece of pieces) socket.write(piece)
      // No half-close: Node's server aborts a request whose client sent FIN before the answer was ready.
      // `Connection: close` makes the server close once it has answered.
    })
  })
}

/** `application/x-www-form-urlencoded` body from pairs, repeats kept. */
export function form(pairs: [string, string][]): string {
  const params = new URLSearchParams()
  for (const [name, value] of pairs) params.append(name, value)
  return params.toString()
}

export function basic(id: string, secret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+')
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`
}
