import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { calculateJwkThumbprint, EmbeddedJWK, exportJWK, generateKeyPair, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClientContext } from '../../src/client/context.js'
import { createOAuth, type OAuth } from '../../src/client/oauth.js'
import { openSqliteClientStore } from '../../src/client/sqlite-store.js'
import type { RelyingPartyStore } from '../../src/client/store.js'
import { Browser } from '../helpers/http-client.js'
import { authorizeAtOidcProvider, keepCookies, loadProvider } from '../helpers/oidc-provider.js'

/**
 * The relying party with PAR (RFC 9126) and DPoP (RFC 9449) against panva's oidc-provider, an independent
 * server: PAR required by the provider, DPoP nonces required at its token endpoint, DPoP-bound access and
 * refresh tokens for a public client. A small resource server checks each proof itself (jose: `typ`,
 * signature by the embedded key, `htm`, `htu`, `ath`, its own nonce) and the binding through
 * oidc-provider's introspection (`cnf.jkt`).
 */

const ACCOUNT = 'dora-51c2'
const CLIENT_ID = 'tessera-dpop-rp'
const RESOURCE_CLIENT = 'notes-api'
const RESOURCE_SECRET = 'notes-api-introspection-secret-0123456789'
const SECRET = 'oidc-provider-dpop-rp-secret-0123456789-abc'
const RESOURCE_NONCE = 'resource-nonce-1'

let op: Server
let issuer: string
let rs: Server
let resourceUrl: string
let redirectUri: string
let store: RelyingPartyStore
let oauth: OAuth
/** Requests the relying party sent, with the headers that matter here. */
const sent: { url: string; authorization: string | null; dpop: string | null; body: string }[] = []
/** What the resource server saw and decided. */
const seen: { scheme: string; jkt: string | undefined; nonce: unknown }[] = []

const recordingFetch: typeof fetch = async (input, init) => {
  const headers = new Headers(init?.headers)
  sent.push({ url: String(input), authorization: headers.get('authorization'), dpop: headers.get('dpop'), body: typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '' })
  return fetch(input, init)
}

function challenge(res: ServerResponse, error: string, extra: Record<string, string> = {}): void {
  res.writeHead(401, { 'www-authenticate': `DPoP error="${error}", algs="ES256"`, ...extra }).end()
}

/** The resource server: a DPoP-protected GET /notes (RFC 9449 §7), the token's binding from introspection. */
async function protectedResource(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [scheme = '', token = ''] = (req.headers.authorization ?? '').split(' ')
  const proof = req.headers.dpop
  if (scheme !== 'DPoP' || typeof proof !== 'string') return challenge(res, 'invalid_token')
  let payload: Record<string, unknown>
  let jkt: string
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'], maxTokenAge: 60 })
    payload = verified.payload
    jkt = await calculateJwkThumbprint(verified.protectedHeader.jwk ?? {})
  } catch {
    return challenge(res, 'invalid_dpop_proof')
  }
  seen.push({ scheme, jkt, nonce: payload.nonce })
  // RFC 9449 §9: this resource server wants its own nonce in the proof.
  if (payload.nonce !== RESOURCE_NONCE) return challenge(res, 'use_dpop_nonce', { 'dpop-nonce': RESOURCE_NONCE })
  const ath = createHash('sha256').update(token).digest('base64url')
  if (payload.htm !== 'GET' || payload.htu !== resourceUrl || payload.ath !== ath) return challenge(res, 'invalid_dpop_proof')
  const introspection = await fetch(`${issuer}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${RESOURCE_CLIENT}:${RESOURCE_SECRET}`).toString('base64')}` },
    body: new URLSearchParams({ token }).toString(),
  })
  const answer = (await introspection.json()) as { active: boolean; cnf?: { jkt?: string }; sub?: string; token_type?: string }
  if (!answer.active || answer.cnf?.jkt !== jkt) return challenge(res, 'invalid_token')
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub: answer.sub, token_type: answer.token_type, jkt }))
}

beforeAll(async () => {
  op = createServer()
  await new Promise<void>((resolve) => op.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(op.address() as AddressInfo).port}`
  rs = createServer((req, res) => void protectedResource(req, res))
  await new Promise<void>((resolve) => rs.listen(0, '127.0.0.1', resolve))
  resourceUrl = `http://127.0.0.1:${(rs.address() as AddressInfo).port}/notes`
  redirectUri = 'http://127.0.0.1:5000/cb/op'

  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const Provider = await loadProvider()
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID, token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
        redirect_uris: [redirectUri], dpop_bound_access_tokens: true,
      },
      { client_id: RESOURCE_CLIENT, client_secret: RESOURCE_SECRET, grant_types: [], response_types: [], redirect_uris: [] },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'rs-1' }] },
    cookies: { keys: [SECRET] },
    claims: { openid: ['sub'], profile: ['name'] },
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id, name: 'Dora DPoP' }) }),
    features: {
      devInteractions: { enabled: true },
      introspection: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
      // RFC 9449 §8: every proof at the token endpoint must carry the server's nonce.
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
    },
    // A public client's refresh tokens are DPoP-bound (RFC 9449 §5); oidc-provider issues them with offline_access.
    issueRefreshToken: () => true,
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, RefreshToken: 3600, Session: 3600, PushedAuthorizationRequest: 60 },
  })
  op.on('request', provider.callback())
  // SQLite: the sealed DPoP key goes through a real store's columns, as it would in PostgreSQL or Redis.
  store = await openSqliteClientStore({ filename: ':memory:' })
  oauth = createRelyingParty()
})

function createRelyingParty(): OAuth {
  const instance = createOAuth({ store, secret: SECRET, fetch: recordingFetch })
  // No pushedAuthorizationRequests here: the provider's metadata requires PAR, and the client follows it.
  instance.register({ name: 'op', issuer, allowInsecureLoopback: true, clientId: CLIENT_ID, tokenEndpointAuthMethod: 'none', scope: 'openid profile', dpop: true })
  return instance
}

afterAll(async () => {
  await store?.close()
  op?.closeAllConnections()
  rs?.closeAllConnections()
  await new Promise((resolve) => op?.close(resolve))
  await new Promise((resolve) => rs?.close(resolve))
})

/** A request of this browser to the app. */
function appContext(browser: Browser): ReturnType<typeof createClientContext> {
  return createClientContext({ url: 'http://127.0.0.1:5000/', headers: { cookie: browser.jar.header() } })
}

/** The proof's public key thumbprint (RFC 7638), as the server computes it. */
async function proofJkt(proof: string | null): Promise<string> {
  const header = JSON.parse(Buffer.from((proof ?? '').split('.')[0] ?? '', 'base64url').toString()) as { jwk: Record<string, string>; typ: string }
  expect(header.typ).toBe('dpop+jwt')
  return calculateJwkThumbprint(header.jwk)
}

describe('tessera/client with PAR and DPoP against oidc-provider', () => {
  it('pushes the request, binds code, tokens and refresh to one key, and calls a DPoP resource with ath and nonces', async () => {
    const browser = new Browser()
    const loginCtx = createClientContext({ url: 'http://127.0.0.1:5000/login/op', headers: {} })
    const redirect = await oauth.authorizeRedirect(loginCtx, 'op', redirectUri)
    keepCookies(browser, loginCtx.cookies)
    const authorization = new URL(redirect.location)
    // RFC 9126 §4: only the client id and the reference travel through the browser.
    expect([...authorization.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri'])
    const pushes = sent.filter((call) => call.url === `${issuer}/request`)
    expect(pushes.length).toBeGreaterThanOrEqual(1)
    expect(new URLSearchParams(pushes.at(-1)?.body).get('code_challenge_method')).toBe('S256')
    const key = await proofJkt(pushes.at(-1)?.dpop ?? null)

    const callback = await authorizeAtOidcProvider(browser, issuer, authorization.href, ACCOUNT, (url) => url.href.startsWith(redirectUri))
    const ctx = createClientContext({ url: callback, headers: { cookie: browser.jar.header() } })
    const login = await oauth.authorizeAccessToken(ctx, 'op')
    keepCookies(browser, ctx.cookies)
    expect(login.tokens.token_type).toBe('dpop')
    expect(login.user).toMatchObject({ sub: ACCOUNT, name: 'Dora DPoP' })
    const exchanges = sent.filter((call) => call.url === `${issuer}/token` && new URLSearchParams(call.body).get('grant_type') === 'authorization_code')
    // The first proof had no nonce: oidc-provider answered use_dpop_nonce and the client sent it again with one.
    expect(exchanges).toHaveLength(2)
    expect(await proofJkt(exchanges[1]?.dpop ?? null)).toBe(key)

    // The resource: first without its nonce (401 use_dpop_nonce), then accepted with it.
    const before = seen.length
    const api = await oauth.fetch(appContext(browser), resourceUrl)
    expect(api.status).toBe(200)
    expect(await api.json()).toMatchObject({ sub: ACCOUNT, token_type: 'DPoP', jkt: key })
    expect(seen.slice(before).map((entry) => entry.nonce)).toEqual([undefined, RESOURCE_NONCE])
    const call = sent.filter((entry) => entry.url === resourceUrl).at(-1)
    expect(call?.authorization).toBe(`DPoP ${login.tokens.access_token}`)

    // A DPoP-bound refresh, with the same key; the new token works at the resource.
    const refreshed = await oauth.refreshToken(appContext(browser))
    expect(refreshed.access_token).not.toBe(login.tokens.access_token)
    expect(refreshed.token_type).toBe('dpop')
    const refreshes = sent.filter((entry) => entry.url === `${issuer}/token` && new URLSearchParams(entry.body).get('grant_type') === 'refresh_token')
    expect(await proofJkt(refreshes.at(-1)?.dpop ?? null)).toBe(key)

    // Another instance of the app (another process: nothing shared but the store and the secret) uses the
    // session's key: no new login.
    const other = createRelyingParty()
    const again = await other.fetch(appContext(browser), resourceUrl)
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ jkt: key })
  })

  it('refuses the stolen access token without its key: a Bearer call to the resource is a 401', async () => {
    const browser = new Browser()
    const loginCtx = createClientContext({ url: 'http://127.0.0.1:5000/login/op', headers: {} })
    const redirect = await oauth.authorizeRedirect(loginCtx, 'op', redirectUri)
    keepCookies(browser, loginCtx.cookies)
    const callback = await authorizeAtOidcProvider(browser, issuer, redirect.location, ACCOUNT, (url) => url.href.startsWith(redirectUri))
    const ctx = createClientContext({ url: callback, headers: { cookie: browser.jar.header() } })
    const login = await oauth.authorizeAccessToken(ctx, 'op')
    const stolen = await fetch(resourceUrl, { headers: { authorization: `Bearer ${login.tokens.access_token}` } })
    expect(stolen.status).toBe(401)
    // And at oidc-provider's userinfo: a DPoP-bound token presented as Bearer is refused.
    const userinfo = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${login.tokens.access_token}` } })
    expect(userinfo.status).toBe(401)
  })
})
