import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose'

/*
 * Scriptable upstream identity providers for the federation tests (catalogue wave 2 §0.4: `upA`, `upB`,
 * `upG`): an OpenID provider answering every authorization request at once for the scripted user, or a
 * GitHub-shaped OAuth 2.0 server with a user API (GitHub Enterprise Server's paths). Each logs every
 * request, so a test can show that no token request was made, and marks every token it issues with its
 * name, so a test can look for it anywhere Tessera answers.
 */

export interface UpstreamScript {
  /** The user who "signs in": `sub` (OIDC) or the numeric `id` (GitHub). */
  sub: string
  /** Extra ID token claims (OIDC) or `/user` fields (GitHub). */
  claims?: Record<string, unknown>
  /** Userinfo answer (OIDC); default `{ sub, ...claims }`. */
  userinfo?: Record<string, unknown>
  /** GitHub `/user/emails`. */
  emails?: Array<{ email: string; primary: boolean; verified: boolean }>
  /** Rewrites the ID token claims before signing. */
  idToken?: (claims: JWTPayload) => JWTPayload
  /** `RS256` (default), `none`, or `HS256` keyed with the client secret (MinIO CVE-2026-33322). */
  alg?: 'RS256' | 'none' | 'HS256'
  /** Rewrites the authorization response's query (a missing `iss`, another `iss`, an error). */
  response?: (query: URLSearchParams) => URLSearchParams
}

export interface LoggedRequest {
  method: string
  path: string
  query: URLSearchParams
  body: URLSearchParams
}

export interface Upstream {
  readonly name: string
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string
  script: UpstreamScript
  /** Members replacing or adding to the discovery document. */
  metadata: Record<string, unknown>
  readonly log: LoggedRequest[]
  /** Every access, refresh and ID token issued. */
  readonly issued: string[]
  tokenRequests(): LoggedRequest[]
  close(): Promise<void>
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  response.end(JSON.stringify(body))
}

/** Starts an upstream on loopback. `kind: 'github'` serves GitHub Enterprise Server's OAuth and REST paths. */
export async function startUpstream(name: string, kind: 'oidc' | 'github' = 'oidc'): Promise<Upstream> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwk = { ...(await exportJWK(publicKey)), kid: `${name}-1`, alg: 'RS256', use: 'sig' }
  const codes = new Map<string, { nonce: string | null; challenge: string; redirectUri: string; sub: string }>()
  const tokens = new Map<string, string>()
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const upstream: Upstream = {
    name,
    issuer,
    clientId: `tessera-at-${name}`,
    clientSecret: `${name}-client-secret-0123456789abcdef`,
    script: { sub: `${name}-user-1` },
    metadata: {},
    log: [],
    issued: [],
    tokenRequests: () => upstream.log.filter((entry) => entry.path.endsWith('/token') || entry.path.endsWith('/access_token')),
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
  const paths = kind === 'github'
    ? { authorize: '/login/oauth/authorize', token: '/login/oauth/access_token' }
    : { authorize: '/authorize', token: '/token' }

  async function idToken(clientId: string, sub: string, nonce: string | null): Promise<string> {
    const now = Math.floor(Date.now() / 1000)
    let claims: JWTPayload = { iss: issuer, sub, aud: clientId, iat: now, exp: now + 300, ...(nonce ? { nonce } : {}), ...upstream.script.claims }
    if (upstream.script.idToken) claims = upstream.script.idToken(claims)
    const alg = upstream.script.alg ?? 'RS256'
    if (alg === 'none') {
      const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
      return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`
    }
    if (alg === 'HS256') return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(upstream.clientSecret))
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid }).sign(privateKey)
  }

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const url = new URL(request.url ?? '/', issuer)
      const body = new URLSearchParams(request.method === 'POST' ? await readBody(request) : '')
      upstream.log.push({ method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, body })
      if (url.pathname === '/.well-known/openid-configuration' && kind === 'oidc') {
        return json(response, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/userinfo`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          authorization_response_iss_parameter_supported: true,
          ...upstream.metadata,
        })
      }
      if (url.pathname === '/jwks') return json(response, 200, { keys: [jwk] })
      if (url.pathname === paths.authorize) {
        const query = url.searchParams
        const code = randomBytes(16).toString('base64url')
        codes.set(code, { nonce: query.get('nonce'), challenge: query.get('code_challenge') ?? '', redirectUri: query.get('redirect_uri') ?? '', sub: upstream.script.sub })
        let answer = new URLSearchParams({ code, state: query.get('state') ?? '' })
        if (kind === 'oidc') answer.set('iss', issuer)
        if (upstream.script.response) answer = upstream.script.response(answer)
        response.writeHead(302, { location: `${query.get('redirect_uri') ?? ''}?${answer.toString()}` })
        return response.end()
      }
      if (url.pathname === paths.token && request.method === 'POST') {
        const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1]
        const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent) : [body.get('client_id'), body.get('client_secret')]
        if (id !== upstream.clientId || secret !== upstream.clientSecret) return json(response, 401, { error: 'invalid_client' })
        const grant = codes.get(body.get('code') ?? '')
        codes.delete(body.get('code') ?? '')
        const verifier = body.get('code_verifier') ?? ''
        if (!grant || grant.redirectUri !== body.get('redirect_uri') || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
          return json(response, 400, { error: 'invalid_grant' })
        }
        const accessToken = `${name}-ACCESS-${randomBytes(8).toString('hex')}`
        const refreshToken = `${name}-REFRESH-${randomBytes(8).toString('hex')}`
        tokens.set(accessToken, grant.sub)
        const answer: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, refresh_token: refreshToken, scope: body.get('scope') ?? '' }
        if (kind === 'oidc') answer.id_token = await idToken(upstream.clientId, grant.sub, grant.nonce)
        upstream.issued.push(accessToken, refreshToken, ...(typeof answer.id_token === 'string' ? [answer.id_token] : []))
        return json(response, 200, answer)
      }
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
      const sub = bearer ? tokens.get(bearer) : undefined
      if (url.pathname === '/userinfo' || url.pathname.startsWith('/api/v3/')) {
        if (!sub) return json(response, 401, { error: 'invalid_token' })
        if (url.pathname === '/userinfo') return json(response, 200, upstream.script.userinfo ?? { sub, ...upstream.script.claims })
        if (url.pathname === '/api/v3/user') return json(response, 200, { id: Number(sub), ...upstream.script.claims })
        if (url.pathname === '/api/v3/user/emails') return json(response, 200, upstream.script.emails ?? [])
      }
      json(response, 404, { error: 'not_found' })
    })().catch((error: unknown) => {
      response.writeHead(500)
      response.end(String(error))
    })
  })
  return upstream
}

