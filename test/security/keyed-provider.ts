import { createHash, generateKeyPairSync, randomBytes, sign, type JsonWebKey, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A loopback OpenID provider whose keys the test controls (catalogue RP-11, SC-06): which RSA keys its
 * JWKS publishes, which one signs, whether the ID token names it by `kid`. Otherwise a plain, correct
 * provider: code flow with PKCE S256, `iss` on the authorization response, `client_secret_basic`.
 * Every issued token is recorded so tests can look for it where it must not be.
 */
export interface SigningKey {
  kid: string
  privateKey: KeyObject
  jwk: JsonWebKey
}

export interface KeyedProvider {
  url: string
  clientId: string
  clientSecret: string
  /** Keys in the JWKS, in order. */
  published: SigningKey[]
  /** The key that signs the next ID token. */
  signing: SigningKey
  /** Whether the ID token header carries `kid`. */
  sendKid: boolean
  /** How often `jwks_uri` was fetched. */
  jwksFetches: number
  /** Every access, refresh and ID token issued. */
  issued: string[]
  newKey(kid: string): SigningKey
  close(): Promise<void>
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

function readBody(request: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))))
    request.on('error', reject)
  })
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body))
}

export async function startKeyedProvider(): Promise<KeyedProvider> {
  const clientId = 'keyed-client'
  const clientSecret = randomBytes(32).toString('base64url')
  const codes = new Map<string, { nonce: string | undefined; challenge: string | undefined; redirectUri: string }>()
  const newKey = (kid: string): SigningKey => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } }
  }
  const first = newKey('key-1')
  const provider: KeyedProvider = {
    url: '',
    clientId,
    clientSecret,
    published: [first],
    signing: first,
    sendKid: true,
    jwksFetches: 0,
    issued: [],
    newKey,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  }

  function idToken(nonce: string | undefined): string {
    const now = Math.floor(Date.now() / 1000)
    const header = { alg: 'RS256', typ: 'JWT', ...(provider.sendKid ? { kid: provider.signing.kid } : {}) }
    const claims = { iss: provider.url, sub: 'keyed-user', aud: clientId, iat: now, exp: now + 300, ...(nonce ? { nonce } : {}) }
    const input = `${b64(header)}.${b64(claims)}`
    return `${input}.${sign('sha256', Buffer.from(input), provider.signing.privateKey).toString('base64url')}`
  }

  /** RFC 6749 §2.3.1: id and secret are form-urlencoded before the Basic encoding. */
  function authenticated(header: string | undefined): boolean {
    const [id = '', secret = ''] = Buffer.from(/^Basic (.+)$/.exec(header ?? '')?.[1] ?? '', 'base64').toString('utf8').split(':')
    const decode = (value: string): string => decodeURIComponent(value.replace(/\+/g, ' '))
    return decode(id) === clientId && decode(secret) === clientSecret
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', provider.url)
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json(response, 200, {
          issuer: provider.url,
          authorization_endpoint: `${provider.url}/authorize`,
          token_endpoint: `${provider.url}/token`,
          userinfo_endpoint: `${provider.url}/userinfo`,
          jwks_uri: `${provider.url}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
          authorization_response_iss_parameter_supported: true,
        })
      case '/jwks':
        provider.jwksFetches++
        return json(response, 200, { keys: provider.published.map((key) => key.jwk) })
      case '/authorize': {
        const code = randomBytes(16).toString('base64url')
        const redirectUri = url.searchParams.get('redirect_uri') ?? ''
        codes.set(code, { nonce: url.searchParams.get('nonce') ?? undefined, challenge: url.searchParams.get('code_challenge') ?? undefined, redirectUri })
        const target = new URL(redirectUri)
        target.searchParams.set('code', code)
        target.searchParams.set('state', url.searchParams.get('state') ?? '')
        target.searchParams.set('iss', provider.url)
        response.writeHead(303, { location: target.href }).end()
        return
      }
      case '/token': {
        const form = await readBody(request)
        if (!authenticated(request.headers.authorization)) return json(response, 401, { error: 'invalid_client' })
        const grant = codes.get(form.get('code') ?? '')
        codes.delete(form.get('code') ?? '')
        const verifier = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url')
        if (!grant || grant.challenge !== verifier || grant.redirectUri !== form.get('redirect_uri')) return json(response, 400, { error: 'invalid_grant' })
        const body = { access_token: randomBytes(24).toString('base64url'), refresh_token: randomBytes(24).toString('base64url'), token_type: 'Bearer', expires_in: 300, id_token: idToken(grant.nonce) }
        provider.issued.push(body.access_token, body.refresh_token, body.id_token)
        return json(response, 200, body)
      }
      case '/userinfo':
        return json(response, 200, { sub: 'keyed-user', name: 'Keyed User' })
      default:
        response.writeHead(404).end()
    }
  }

  const http = createServer((request, response) => {
    handle(request, response).catch(() => response.writeHead(500).end())
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  provider.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  return provider
}
