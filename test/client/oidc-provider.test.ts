import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClientContext } from '../../src/client/context.js'
import { isClientError } from '../../src/client/errors.js'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth, type OAuth } from '../../src/client/oauth.js'
import { Browser } from '../helpers/http-client.js'
import { authorizeAtOidcProvider, keepCookies, loadProvider } from '../helpers/oidc-provider.js'
import { startTestApp, type TestApp } from './app.js'
import { contextFor, cookieHeader, recordingFetch, type RecordingFetch } from './session-flows.js'

/**
 * The relying party against a second, independent OpenID provider: panva's oidc-provider (v9) with its
 * in-memory adapter, one static confidential client, PKCE required, rotating refresh tokens, and its
 * development login/consent pages. The client code is exactly what runs against Tessera.
 */

const ACCOUNT = 'olivia-7f3a'
const CLIENT_ID = 'tessera-rp'
const CLIENT_SECRET = 'oidc-provider-client-secret-0123456789abcdef'
const SECRET = 'oidc-provider-rp-secret-0123456789-abcdefgh'
/** A second client of the provider that authenticates with private_key_jwt (RFC 7523 §2.2). */
const JWT_CLIENT_ID = 'tessera-rp-jwt'
let jwtClientKey: CryptoKey

let http: Server
let issuer: string
let app: TestApp
let recorder: RecordingFetch

beforeAll(async () => {
  http = createServer()
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  recorder = recordingFetch()
  app = await startTestApp(async (origin) => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true })
    const clientKeys = await generateKeyPair('ES256', { extractable: true })
    jwtClientKey = clientKeys.privateKey
    const Provider = await loadProvider()
    const provider = new Provider(issuer, {
      clients: [{
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${origin}/cb/op`],
        post_logout_redirect_uris: [`${origin}/logged-out`],
        token_endpoint_auth_method: 'client_secret_basic',
      }, {
        client_id: JWT_CLIENT_ID,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [`${origin}/cb/op`],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [{ ...(await exportJWK(clientKeys.publicKey)), kid: 'rp-jwt-1', use: 'sig', alg: 'ES256' }] },
      }],
      jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'rs-1' }] },
      cookies: { keys: [SECRET] },
      claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
      findAccount: (_ctx: unknown, id: string) => ({
        accountId: id,
        claims: () => ({ sub: id, name: 'Olivia Provider', email: 'olivia@example.org', email_verified: true }),
      }),
      features: { devInteractions: { enabled: true }, revocation: { enabled: true, allowedPolicy: () => true }, rpInitiatedLogout: { enabled: true } },
      pkce: { required: () => true },
      rotateRefreshToken: true,
      ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, RefreshToken: 3600, Session: 3600 },
    })
    http.on('request', provider.callback())
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET, fetch: recorder.fetch })
    oauth.register({
      name: 'op',
      issuer,
      allowInsecureLoopback: true,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scope: 'openid profile email offline_access',
      // oidc-provider grants offline_access only on a consent prompt (OIDC Core §11).
      authorizationParams: { prompt: 'consent' },
    })
    return oauth
  })
})

afterAll(async () => {
  await app?.close()
  http?.closeAllConnections()
  await new Promise((resolve) => http?.close(resolve))
})

/** `authorizeRedirect` of the given instance, as the app's login route calls it; the browser keeps the cookie. */
async function startLogin(oauth: OAuth, browser: Browser): Promise<URL> {
  const ctx = createClientContext({ url: `${app.origin}/login/op`, headers: {} })
  const redirect = await oauth.authorizeRedirect(ctx, 'op', `${app.origin}/cb/op`)
  keepCookies(browser, ctx.cookies)
  return new URL(redirect.location)
}

describe('tessera/client against oidc-provider', () => {
  it('logs in with code + PKCE, validates the ID token, reads userinfo, refreshes with rotation, and logs out', async () => {
    const browser = new Browser()
    const authorization = await startLogin(app.oauth, browser)
    expect(`${authorization.origin}${authorization.pathname}`).toBe(`${issuer}/auth`) // from discovery
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256')
    const callback = await authorizeAtOidcProvider(browser, issuer, authorization.href, ACCOUNT, (url) => url.origin === app.origin)
    expect(callback.searchParams.get('iss')).toBe(issuer) // RFC 9207, checked by the client

    const ctx = createClientContext({ url: callback, headers: { cookie: browser.jar.header() } })
    const login = await app.oauth.authorizeAccessToken(ctx, 'op')
    keepCookies(browser, ctx.cookies)
    const exchange = recorder.calls.find((call) => call.url === `${issuer}/token`)
    expect(new URLSearchParams(exchange?.body).get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43,128}$/)
    expect(login.claims).toMatchObject({ iss: issuer, aud: CLIENT_ID, sub: ACCOUNT })
    expect(login.claims?.nonce).toBeTypeOf('string')
    expect(login.user).toMatchObject({ provider: 'op', issuer, sub: ACCOUNT, name: 'Olivia Provider', email: 'olivia@example.org', email_verified: true })
    expect(login.tokens.refresh_token).toBeTypeOf('string')

    expect(await app.oauth.userinfo(contextFor(browser, app))).toMatchObject({ sub: ACCOUNT, name: 'Olivia Provider', email: 'olivia@example.org' })

    const refreshed = await app.oauth.refreshToken(contextFor(browser, app))
    expect(refreshed.access_token).not.toBe(login.tokens.access_token)
    expect(refreshed.refresh_token).toBeTypeOf('string')
    expect(refreshed.refresh_token).not.toBe(login.tokens.refresh_token)
    // The rotated token was stored: a second refresh presents it, and oidc-provider accepts it.
    const again = await app.oauth.refreshToken(contextFor(browser, app))
    expect(again.refresh_token).not.toBe(refreshed.refresh_token)
    expect(recorder.grants('refresh_token')).toBe(2)

    const logoutCtx = contextFor(browser, app)
    const logout = await app.oauth.logout(logoutCtx, { postLogoutRedirectUri: `${app.origin}/logged-out` })
    expect(logout.revoked).toBe(true)
    const endSession = new URL(logout.location ?? '')
    expect(`${endSession.origin}${endSession.pathname}`).toBe(`${issuer}/session/end`)
    expect(endSession.searchParams.get('id_token_hint')).toBe(again.id_token ?? login.tokens.id_token)
    expect(await app.oauth.currentUser(contextFor(browser, app))).toBeUndefined()
  })

  it('refuses the ID token when its algorithm is not the one the client pinned, and starts no session', async () => {
    // oidc-provider signs RS256; a client pinned to ES256 must not accept it (RFC 8725 §3.1).
    const pinned = createOAuth({ store: createMemoryClientStore(), secret: SECRET })
    pinned.register({ name: 'op', issuer, allowInsecureLoopback: true, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: 'openid', idTokenSignedResponseAlg: 'ES256' })
    const browser = new Browser()
    const callback = await authorizeAtOidcProvider(browser, issuer, (await startLogin(pinned, browser)).href, ACCOUNT, (url) => url.origin === app.origin)
    const ctx = createClientContext({ url: callback, headers: { cookie: browser.jar.header() } })
    const error = await pinned.authorizeAccessToken(ctx, 'op').then(() => undefined, (caught: unknown) => caught)
    expect(isClientError(error) && error.code).toBe('invalid_response')
    expect(isClientError(error) && error.detail).toMatch(/alg/i)
    expect(cookieHeader(ctx.cookies)).not.toContain('tessera-rp-session')
  })

  it('authenticates at the token endpoint with private_key_jwt, the assertion addressed to the issuer', async () => {
    const jwtClient = createOAuth({ store: createMemoryClientStore(), secret: SECRET, fetch: recorder.fetch })
    jwtClient.register({
      name: 'op', issuer, allowInsecureLoopback: true, clientId: JWT_CLIENT_ID, scope: 'openid',
      tokenEndpointAuthMethod: 'private_key_jwt', clientPrivateKey: { key: jwtClientKey, kid: 'rp-jwt-1' },
    })
    const browser = new Browser()
    const callback = await authorizeAtOidcProvider(browser, issuer, (await startLogin(jwtClient, browser)).href, ACCOUNT, (url) => url.origin === app.origin)
    const ctx = createClientContext({ url: callback, headers: { cookie: browser.jar.header() } })
    const login = await jwtClient.authorizeAccessToken(ctx, 'op')
    expect(login.claims).toMatchObject({ iss: issuer, aud: JWT_CLIENT_ID, sub: ACCOUNT })
    const exchange = recorder.calls.filter((call) => call.url === `${issuer}/token`).at(-1)
    const form = new URLSearchParams(exchange?.body)
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    expect(form.get('client_secret')).toBeNull()
    const [header = '', payload = ''] = (form.get('client_assertion') ?? '').split('.')
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'ES256', kid: 'rp-jwt-1' })
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({ iss: JWT_CLIENT_ID, sub: JWT_CLIENT_ID, aud: issuer })
  })

  it('refuses a private_key_jwt registration without a private key, or with a secret', () => {
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET })
    const base = { name: 'op', issuer, allowInsecureLoopback: true, clientId: JWT_CLIENT_ID, scope: 'openid', tokenEndpointAuthMethod: 'private_key_jwt' as const }
    expect(() => oauth.register(base)).toThrow(/clientPrivateKey/)
    expect(() => oauth.register({ ...base, clientSecret: 'x', clientPrivateKey: { key: jwtClientKey } })).toThrow(/clientSecret/)
  })
})
