import { createHash, createHmac, generateKeyPairSync, randomBytes, sign, type JsonWebKey, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * The catalogue's "evil OP" (§0.3): a loopback OpenID provider on node:http whose every answer a test can
 * corrupt — discovery, the authorization response, the token response and its ID token (claims, header,
 * signature), userinfo. The authorization endpoint answers at once (no login page) with a code for
 * `sub` = `EVIL_SUB`. JWTs are built by hand with node:crypto so that malformed ones are possible.
 */
export const EVIL_SUB = 'evil-user-1'

export type SigningMode = 'RS256' | 'ES256' | 'none' | 'HS256-client-secret' | 'attacker-jwk' | 'attacker-jku'

export interface EvilBehaviour {
  discovery?: (doc: Record<string, unknown>) => void
  authorizationResponse?: (params: URLSearchParams) => void
  idToken?: (claims: Record<string, unknown>, header: Record<string, unknown>, grant: string) => void
  signing?: SigningMode
  /** Flip one byte of the signature. */
  corruptSignature?: boolean
  tokenResponse?: (body: Record<string, unknown>, grant: string) => void
  userinfo?: (body: Record<string, unknown>) => void
}

export interface RecordedRequest {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  body: URLSearchParams
}

interface Grant {
  clientId: string
  redirectUri: string
  challenge: string | undefined
  challengeMethod: string | undefined
  nonce: string | undefined
  scope: string
}

export interface EvilProvider {
  url: string
  clientId: string
  clientSecret: string
  behaviour: EvilBehaviour
  requests: RecordedRequest[]
  /** Requests to `path` so far. */
  count(path: string, filter?: (request: RecordedRequest) => boolean): number
  /** Nonces the provider has seen, in order (to replay an earlier login's nonce). */
  nonces: string[]
  close(): Promise<void>
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

function publicJwk(key: KeyObject, kid: string, alg: string): JsonWebKey {
  return { ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
  response.end(JSON.stringify(body))
}

export async function startEvilProvider(options: { clientId?: string; clientSecret?: string } = {}): Promise<EvilProvider> {
  const clientId = options.clientId ?? 'evil-client'
  const clientSecret = options.clientSecret ?? 'evil-client-secret-0123456789abcdef'
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const codes = new Map<string, Grant>()
  const refreshTokens = new Map<string, Grant>()
  const accessTokens = new Set<string>()
  const requests: RecordedRequest[] = []
  const nonces: string[] = []
  let url = ''

  const provider: EvilProvider = {
    url: '',
    clientId,
    clientSecret,
    behaviour: {},
    requests,
    nonces,
    count: (path, filter = () => true) => requests.filter((request) => request.path === path && filter(request)).length,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }

  function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>): string {
    const mode = provider.behaviour.signing ?? 'RS256'
    const head: Record<string, unknown> = { typ: 'JWT', ...header }
    let key: KeyObject | undefined = rsa.privateKey
    if (mode === 'RS256') Object.assign(head, { alg: 'RS256', kid: 'rsa-1' })
    if (mode === 'ES256') Object.assign(head, { alg: 'ES256', kid: 'ec-1' })
    if (mode === 'none') Object.assign(head, { alg: 'none' })
    if (mode === 'HS256-client-secret') Object.assign(head, { alg: 'HS256', kid: undefined })
    if (mode === 'attacker-jwk') Object.assign(head, { alg: 'RS256', kid: 'attacker', jwk: publicJwk(attacker.publicKey, 'attacker', 'RS256') })
    if (mode === 'attacker-jku') Object.assign(head, { alg: 'RS256', kid: 'attacker', jku: `${url}/attacker-jwks` })
    if (mode === 'attacker-jwk' || mode === 'attacker-jku') key = attacker.privateKey
    const input = `${b64(head)}.${b64(claims)}`
    let signature: Buffer
    if (mode === 'none') signature = Buffer.alloc(0)
    else if (mode === 'HS256-client-secret') signature = createHmac('sha256', clientSecret).update(input).digest()
    else if (mode === 'ES256') signature = sign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' })
    else signature = sign('sha256', Buffer.from(input), key)
    if (provider.behaviour.corruptSignature && signature.length > 10) signature[10] = (signature[10] ?? 0) ^ 0xff
    return `${input}.${signature.toString('base64url')}`
  }

  function discovery(): Record<string, unknown> {
    const doc: Record<string, unknown> = {
      issuer: url,
      authorization_endpoint: `${url}/authorize`,
      token_endpoint: `${url}/token`,
      userinfo_endpoint: `${url}/userinfo`,
      jwks_uri: `${url}/jwks`,
      revocation_endpoint: `${url}/revoke`,
      end_session_endpoint: `${url}/end-session`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      authorization_response_iss_parameter_supported: true,
    }
    provider.behaviour.discovery?.(doc)
    return doc
  }

  function authorize(query: URLSearchParams, response: ServerResponse): void {
    const redirectUri = query.get('redirect_uri') ?? ''
    const code = randomBytes(16).toString('base64url')
    const nonce = query.get('nonce') ?? undefined
    if (nonce) nonces.push(nonce)
    codes.set(code, {
      clientId: query.get('client_id') ?? '',
      redirectUri,
      challenge: query.get('code_challenge') ?? undefined,
      challengeMethod: query.get('code_challenge_method') ?? undefined,
      nonce,
      scope: query.get('scope') ?? '',
    })
    const params = new URLSearchParams({ code, iss: url })
    const state = query.get('state')
    if (state !== null) params.set('state', state)
    provider.behaviour.authorizationResponse?.(params)
    if (query.get('response_mode') === 'form_post') {
      // OAuth 2.0 Form Post Response Mode §2: an auto-submitting form to the redirect URI.
      const inputs = [...params].map(([name, value]) => `<input type="hidden" name="${name}" value="${value.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)}">`).join('')
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end(`<form method="post" action="${redirectUri}">${inputs}</form>`)
      return
    }
    const target = new URL(redirectUri)
    for (const [name, value] of params) target.searchParams.set(name, value)
    response.writeHead(303, { location: target.href })
    response.end()
  }

  /** RFC 6749 §2.3.1: id and secret are form-url-encoded before Basic encoding. */
  function authenticated(request: IncomingMessage, form: URLSearchParams): boolean {
    const encoded = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1]
    if (!encoded) return form.get('client_id') === clientId && form.get('client_secret') === clientSecret
    const [id = '', secret = ''] = Buffer.from(encoded, 'base64').toString('utf8').split(':')
    const decode = (value: string): string => decodeURIComponent(value.replace(/\+/g, ' '))
    return decode(id) === clientId && decode(secret) === clientSecret
  }

  function issue(grant: Grant, grantType: string, response: ServerResponse): void {
    const now = Math.floor(Date.now() / 1000)
    const accessToken = randomBytes(24).toString('base64url')
    const refreshToken = randomBytes(24).toString('base64url')
    accessTokens.add(accessToken)
    refreshTokens.set(refreshToken, { ...grant, nonce: undefined })
    const claims: Record<string, unknown> = { iss: url, sub: EVIL_SUB, aud: grant.clientId, iat: now, exp: now + 300, email: 'evil@example.test', email_verified: true }
    if (grant.nonce) claims.nonce = grant.nonce
    const header: Record<string, unknown> = {}
    provider.behaviour.idToken?.(claims, header, grantType)
    const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: 300, refresh_token: refreshToken, scope: grant.scope }
    if (grant.scope.split(' ').includes('openid')) body.id_token = signJwt(header, claims)
    provider.behaviour.tokenResponse?.(body, grantType)
    json(response, 200, body)
  }

  function token(request: IncomingMessage, form: URLSearchParams, response: ServerResponse): void {
    if (!authenticated(request, form)) return json(response, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="evil"' })
    const grantType = form.get('grant_type') ?? ''
    if (grantType === 'authorization_code') {
      const grant = codes.get(form.get('code') ?? '')
      codes.delete(form.get('code') ?? '')
      if (!grant || grant.redirectUri !== form.get('redirect_uri')) return json(response, 400, { error: 'invalid_grant' })
      const verifier = form.get('code_verifier') ?? ''
      const challenge = createHash('sha256').update(verifier).digest('base64url')
      if (grant.challengeMethod !== 'S256' || grant.challenge !== challenge) return json(response, 400, { error: 'invalid_grant', error_description: 'PKCE' })
      return issue(grant, grantType, response)
    }
    if (grantType === 'refresh_token') {
      const grant = refreshTokens.get(form.get('refresh_token') ?? '')
      refreshTokens.delete(form.get('refresh_token') ?? '')
      if (!grant) return json(response, 400, { error: 'invalid_grant' })
      return issue(grant, grantType, response)
    }
    json(response, 400, { error: 'unsupported_grant_type' })
  }

  function userinfo(request: IncomingMessage, response: ServerResponse): void {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
    if (!token || !accessTokens.has(token)) return json(response, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' })
    const body: Record<string, unknown> = { sub: EVIL_SUB, name: 'Evil User', email: 'evil@example.test', email_verified: true }
    provider.behaviour.userinfo?.(body)
    json(response, 200, body)
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = new URL(request.url ?? '/', url)
    const form = new URLSearchParams(request.method === 'POST' ? await readBody(request) : '')
    requests.push({ method: request.method ?? 'GET', path: target.pathname, headers: request.headers, body: form })
    switch (target.pathname) {
      case '/.well-known/openid-configuration':
        return json(response, 200, discovery())
      case '/jwks':
        return json(response, 200, { keys: [publicJwk(rsa.publicKey, 'rsa-1', 'RS256'), publicJwk(ec.publicKey, 'ec-1', 'ES256')] })
      case '/attacker-jwks':
        return json(response, 200, { keys: [publicJwk(attacker.publicKey, 'attacker', 'RS256')] })
      case '/authorize':
        return authorize(target.searchParams, response)
      case '/token':
        return token(request, form, response)
      case '/userinfo':
        return userinfo(request, response)
      case '/forbidden':
        return json(response, 403, { error: 'insufficient_scope' }, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="admin"' })
      case '/revoke':
        refreshTokens.delete(form.get('token') ?? '')
        accessTokens.delete(form.get('token') ?? '')
        response.writeHead(200).end()
        return
      default:
        response.writeHead(404).end()
    }
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.writeHead(500).end())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  provider.url = url
  return provider
}
