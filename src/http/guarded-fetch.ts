import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { isLoopbackAddress, isSpecialUseAddress, unbracketed } from './special-use-addresses.js'

/**
 * How the server may reach URLs that a client or user supplied (client metadata documents, `jwks_uri`,
 * back-channel logout URIs, upstream providers). One policy for every such fetch: https only, no
 * special-use destination (RFC 6890) — checked on the addresses the connection actually uses, so a name
 * that resolves differently the second time (DNS rebinding) gains nothing — no redirects, bounded size
 * and time.
 */
export interface OutboundPolicy {
  /**
   * Development switch (`tessera-oidc serve --allow-loopback-fetch`): plain http and loopback destinations
   * (127.0.0.0/8, ::1) are allowed, and only those; every other special-use block stays forbidden.
   */
  allowLoopback?: boolean
  /**
   * Test profile only: special-use addresses to treat as public (the security catalogue's `PUB =
   * 127.0.0.2`), so a test can stand in for the Internet on loopback. Never set in production.
   */
  publicAddresses?: readonly string[]
  /** Resolves a host name to its addresses; default the system resolver (`dns.lookup`, every address). */
  resolve?: (hostname: string) => Promise<readonly string[]>
  /** Certificate authorities to trust besides the system's (a test CA). */
  ca?: string | readonly string[]
  /** Milliseconds for the whole exchange, connection to last byte; default 5,000. */
  timeoutMs?: number
  /** Largest body accepted (after decompression); default 256 KiB. */
  maxBytes?: number
}

export interface GuardedRequest {
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string | Uint8Array
  /** Overrides the policy's limits for this request. */
  timeoutMs?: number
  maxBytes?: number
}

export interface GuardedResponse {
  status: number
  headers: Headers
  body: Uint8Array
}

export type OutboundErrorCode = 'invalid_url' | 'forbidden_destination' | 'redirect' | 'too_large' | 'timeout' | 'unreachable'

/**
 * A fetch the guard refused or that failed. `message` is operator detail (it may name an address): map it
 * to the protocol's error for the client, and give every refusal the same answer whether a port is open,
 * closed or silent, so the server is no port scanner.
 */
export class OutboundRequestError extends Error {
  readonly code: OutboundErrorCode
  constructor(code: OutboundErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'OutboundRequestError'
    this.code = code
  }
}

const DEFAULT_TIMEOUT_MS = 5_000
const DEFAULT_MAX_BYTES = 256 * 1024

async function systemResolve(hostname: string): Promise<readonly string[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) => (error ? reject(error) : resolve(addresses.map((entry) => entry.address))))
  })
}

/** Why `address` may not be reached under `policy` by `protocol`, or undefined when it may. */
function refusal(address: string, protocol: string, policy: OutboundPolicy): string | undefined {
  const loopback = isLoopbackAddress(address)
  if (protocol === 'http:') return policy.allowLoopback && loopback ? undefined : `plain http to ${address} (http is allowed only on loopback in development)`
  if (policy.publicAddresses?.includes(address)) return undefined
  if (loopback) return policy.allowLoopback ? undefined : `loopback address ${address}`
  if (isSpecialUseAddress(address)) return `special-use address ${address}`
  return undefined
}

/** Checks the URL before anything is resolved or sent. */
function checkedUrl(input: string | URL, policy: OutboundPolicy): URL {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    throw new OutboundRequestError('invalid_url', 'not an absolute URL')
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowLoopback)) throw new OutboundRequestError('invalid_url', `scheme ${url.protocol} is not allowed`)
  if (url.username !== '' || url.password !== '') throw new OutboundRequestError('invalid_url', 'user information in the URL')
  if (url.hostname === '') throw new OutboundRequestError('invalid_url', 'no host')
  return url
}

/**
 * Node's connection-time lookup, answering only with addresses the policy allows: every address of the
 * name must be allowed (a name with one public and one private address is refused, rather than raced).
 */
function guardedLookup(url: URL, policy: OutboundPolicy): LookupFunction {
  const resolve = policy.resolve ?? systemResolve
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0) throw new OutboundRequestError('unreachable', `${hostname} has no address`)
        for (const address of addresses) {
          const reason = refusal(address, url.protocol, policy)
          if (reason) throw new OutboundRequestError('forbidden_destination', `${hostname} resolves to a ${reason}`)
        }
        const entries = addresses.map((address) => ({ address, family: isIP(address) }))
        const wanted = options.family === 4 || options.family === 6 ? entries.filter((entry) => entry.family === options.family) : entries
        if (options.all) callback(null, wanted)
        else if (wanted[0]) callback(null, wanted[0].address, wanted[0].family)
        else callback(new OutboundRequestError('unreachable', `${hostname} has no IPv${String(options.family)} address`), '', 0)
      },
    ).catch((error: unknown) => callback(error as NodeJS.ErrnoException, '', 0))
  }
}

function decoded(body: Uint8Array, encoding: string | undefined, maxBytes: number): Uint8Array {
  const options = { maxOutputLength: maxBytes }
  try {
    switch (encoding?.trim().toLowerCase()) {
      case undefined: case '': case 'identity': return body
      case 'gzip': case 'x-gzip': return gunzipSync(body, options)
      case 'deflate': return inflateSync(body, options)
      case 'br': return brotliDecompressSync(body, options)
      default: throw new OutboundRequestError('unreachable', `unsupported content encoding ${encoding}`)
    }
  } catch (error) {
    if (error instanceof OutboundRequestError) throw error
    if (error instanceof RangeError) throw new OutboundRequestError('too_large', `body over ${maxBytes} bytes once decompressed`)
    throw new OutboundRequestError('unreachable', 'body could not be decompressed', { cause: error })
  }
}

/**
 * Fetches a URL that someone else supplied, under `policy`. Resolves with the answer (any status but a
 * redirect); rejects with `OutboundRequestError` when the URL, the destination, the size or the time is
 * not acceptable, or the server cannot be reached.
 *
 * @example
 * const answer = await guardedFetch('https://app.example/client.json', { headers: { accept: 'application/json' } }, { timeoutMs: 3000 })
 */
export async function guardedFetch(input: string | URL, request: GuardedRequest = {}, policy: OutboundPolicy = {}): Promise<GuardedResponse> {
  const url = checkedUrl(input, policy)
  const timeoutMs = request.timeoutMs ?? policy.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxBytes = request.maxBytes ?? policy.maxBytes ?? DEFAULT_MAX_BYTES
  const host = unbracketed(url.hostname)
  // An IP literal is never looked up by Node, so it is checked here; names are checked at connection time.
  if (isIP(host) !== 0) {
    const reason = refusal(host, url.protocol, policy)
    if (reason) throw new OutboundRequestError('forbidden_destination', reason)
  }
  const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body
  const options: RequestOptions & { ca?: string | string[] } = {
    method: request.method ?? 'GET',
    // No pooled connection: every request resolves and checks its destination anew.
    agent: false,
    lookup: guardedLookup(url, policy),
    headers: {
      'accept-encoding': 'identity',
      'user-agent': 'Tessera',
      ...request.headers,
      ...(body ? { 'content-length': String(body.byteLength) } : {}),
    },
    ...(policy.ca ? { ca: typeof policy.ca === 'string' ? policy.ca : [...policy.ca] } : {}),
  }
  return new Promise<GuardedResponse>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const outgoing = send(url, options)
    const fail = (error: OutboundRequestError) => {
      outgoing.destroy()
      reject(error)
    }
    const timer = setTimeout(() => fail(new OutboundRequestError('timeout', `no complete answer within ${timeoutMs} ms`)), timeoutMs)
    outgoing.on('error', (error) => {
      clearTimeout(timer)
      reject(error instanceof OutboundRequestError ? error : new OutboundRequestError('unreachable', error.message, { cause: error }))
    })
    outgoing.on('response', (incoming: IncomingMessage) => {
      const status = incoming.statusCode ?? 0
      if (status >= 300 && status < 400) {
        clearTimeout(timer)
        return fail(new OutboundRequestError('redirect', `answered ${status}: redirects are not followed`))
      }
      if (Number(incoming.headers['content-length'] ?? 0) > maxBytes) {
        clearTimeout(timer)
        return fail(new OutboundRequestError('too_large', `Content-Length over ${maxBytes} bytes`))
      }
      const chunks: Buffer[] = []
      let size = 0
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.byteLength
        if (size > maxBytes) {
          clearTimeout(timer)
          return fail(new OutboundRequestError('too_large', `body over ${maxBytes} bytes`))
        }
        chunks.push(chunk)
      })
      incoming.on('error', (error) => {
        clearTimeout(timer)
        reject(new OutboundRequestError('unreachable', error.message, { cause: error }))
      })
      incoming.on('end', () => {
        clearTimeout(timer)
        try {
          const headers = new Headers()
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (Array.isArray(value)) for (const item of value) headers.append(name, item)
            else if (value !== undefined) headers.set(name, value)
          }
          resolve({ status, headers, body: decoded(Buffer.concat(chunks), headers.get('content-encoding') ?? undefined, maxBytes) })
        } catch (error) {
          reject(error)
        }
      })
    })
    outgoing.end(body)
  })
}
