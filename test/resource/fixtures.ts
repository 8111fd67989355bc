import { createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { JWK } from 'jose'
import type { OAuthRequest } from '../../src/http/types.js'

/** The API the tokens are for (catalogue §0.3 `API_AUD`). */
export const AUDIENCE = 'http://127.0.0.1:6000/api'

export interface TestKey {
  kid: string
  alg: 'ES256' | 'RS256'
  privateKey: KeyObject
  publicKey: KeyObject
  publicJwk: JWK
}

export function generateKey(alg: 'ES256' | 'RS256', kid = randomUUID()): TestKey {
  const { privateKey, publicKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { kid, alg, privateKey, publicKey, publicJwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' } }
}

export const b64url = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url')
export const segment = (value: unknown): string => b64url(JSON.stringify(value))

/** A compact JWS over arbitrary header and payload bytes, so tests can build what no library would sign. */
export function signWith(key: TestKey, header: Record<string, unknown>, payload: Record<string, unknown> | Uint8Array): string {
  const input = `${segment(header)}.${payload instanceof Uint8Array ? b64url(payload) : segment(payload)}`
  const signature = key.alg === 'ES256'
    ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
    : sign('sha256', Buffer.from(input), key.privateKey)
  return `${input}.${b64url(signature)}`
}

export function hs256(secret: Uint8Array | string, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${segment(header)}.${segment(payload)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

export function claims(issuer: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds()
  const base: Record<string, unknown> = { iss: issuer, sub: 'alice', aud: AUDIENCE, client_id: 'app', scope: 'notes:read', jti: randomUUID(), iat: now, exp: now + 300 }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[name]
    else base[name] = value
  }
  return base
}

export function atHeader(key: TestKey, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: key.alg, typ: 'at+jwt', kid: key.kid, ...overrides }
}

/** An RFC 9068 access token signed by `key`. */
export function accessToken(key: TestKey, issuer: string, claimOverrides: Record<string, unknown> = {}, headerOverrides: Record<string, unknown> = {}): string {
  return signWith(key, atHeader(key, headerOverrides), claims(issuer, claimOverrides))
}

export function request(init: { method?: string; url?: string; headers?: Record<string, string> | [string, string][]; body?: string } = {}): OAuthRequest {
  return {
    method: init.method ?? 'GET',
    url: new URL(init.url ?? '/api/notes', AUDIENCE),
    headers: new Headers(init.headers ?? {}),
    body: init.body === undefined ? undefined : Buffer.from(init.body),
  }
}

export const bearer = (token: string): OAuthRequest => request({ headers: { authorization: `Bearer ${token}` } })

export interface Listening {
  url: string
  server: Server
  close(): Promise<void>
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listening> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

export interface IntrospectionCall {
  authorization: string | undefined
  params: URLSearchParams
}

/**
 * A loopback authorization server double: metadata, JWKS and introspection, each counting requests.
 * Keys, metadata members and introspection answers can be changed per test.
 */
export class FakeAuthorizationServer {
  jwks: { keys: JWK[] } = { keys: [] }
  extraMetadata: Record<string, unknown> = {}
  metadataIssuer: string | undefined
  introspection = new Map<string, Record<string, unknown>>()
  introspectionStatus = 200
  readonly calls = { metadata: 0, jwks: 0, introspection: [] as IntrospectionCall[] }
  #listening: Listening | undefined

  get url(): string {
    if (!this.#listening) throw new Error('not started')
    return this.#listening.url
  }

  async start(): Promise<this> {
    this.#listening = await listen((req, res) => {
      void this.#handle(req, res)
    })
    return this
  }

  close(): Promise<void> {
    return this.#listening?.close() ?? Promise.resolve()
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.url).pathname
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    if (path === '/.well-known/oauth-authorization-server') {
      this.calls.metadata++
      json(200, { issuer: this.metadataIssuer ?? this.url, jwks_uri: `${this.url}/jwks`, introspection_endpoint: `${this.url}/introspect`, ...this.extraMetadata })
    } else if (path === '/jwks') {
      this.calls.jwks++
      json(200, this.jwks)
    } else if (path === '/introspect' && req.method === 'POST') {
      const params = new URLSearchParams(await readText(req))
      this.calls.introspection.push({ authorization: req.headers.authorization, params })
      if (this.introspectionStatus !== 200) return json(this.introspectionStatus, { error: 'invalid_client' })
      json(200, this.introspection.get(params.get('token') ?? '') ?? { active: false })
    } else {
      json(404, { error: 'not_found' })
    }
  }
}

/** Records every inbound request: proof that no fetch went where a token pointed (catalogue §0.3). */
export async function captureServer(): Promise<Listening & { hits: string[] }> {
  const hits: string[] = []
  const listening = await listen((req, res) => {
    hits.push(`${req.method ?? ''} ${req.url ?? ''}`)
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}')
  })
  return Object.assign(listening, { hits })
}
