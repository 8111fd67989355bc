import { randomBytes } from 'node:crypto'
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClientContext } from '../../src/client/context.js'
import { createOAuth, type OAuth } from '../../src/client/oauth.js'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { Browser } from '../helpers/http-client.js'
import { authorizeAtOidcProvider, keepCookies, startOidcProvider, type RunningProvider } from '../helpers/oidc-provider.js'

/**
 * Issue 15's "done when": tessera-oidc/client completes the code flow against panva's oidc-provider with
 * PAR, DPoP and private_key_jwt all switched on at once — the provider requires pushed requests, DPoP
 * nonces and an ES256 client assertion addressed to it; the client pushes with its assertion and a proof,
 * exchanges the code with both, and refreshes a DPoP-bound token.
 */

const ACCOUNT = 'hana-9e1d'
const CLIENT_ID = 'tessera-high-assurance-rp'
const SECRET = 'oidc-provider-high-assurance-secret-0123456789'
const REDIRECT_URI = 'http://127.0.0.1:5000/cb/op'

let provider: RunningProvider
let oauth: OAuth
const sent: { url: string; dpop: string | null; body: string }[] = []

const recordingFetch: typeof fetch = async (input, init) => {
  const headers = new Headers(init?.headers)
  sent.push({ url: String(input), dpop: headers.get('dpop'), body: typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '' })
  return fetch(input, init)
}

beforeAll(async () => {
  const clientKeys = await generateKeyPair('ES256', { extractable: true })
  provider = await startOidcProvider(async () => ({
    clients: [{
      client_id: CLIENT_ID, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', dpop_bound_access_tokens: true,
      jwks: { keys: [{ ...(await exportJWK(clientKeys.publicKey)), kid: 'rp-ha-1', use: 'sig', alg: 'ES256' }] },
    }],
    cookies: { keys: [SECRET] },
    claims: { openid: ['sub'], profile: ['name'] },
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id, name: 'Hana High-Assurance' }) }),
    features: {
      devInteractions: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
    },
    issueRefreshToken: () => true,
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, RefreshToken: 3600, Session: 3600, PushedAuthorizationRequest: 60 },
  }))
  oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET, fetch: recordingFetch })
  oauth.register({
    name: 'op', issuer: provider.issuer, allowInsecureLoopback: true, clientId: CLIENT_ID, scope: 'openid profile',
    tokenEndpointAuthMethod: 'private_key_jwt', clientPrivateKey: { key: clientKeys.privateKey, kid: 'rp-ha-1' }, dpop: true,
  })
})

afterAll(async () => {
  await provider?.close()
})

/** The `client_assertion` of a recorded request, checked as the provider needs it. */
function assertionOf(body: string): Record<string, unknown> {
  const form = new URLSearchParams(body)
  expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
  const assertion = form.get('client_assertion') ?? ''
  expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'ES256', kid: 'rp-ha-1' })
  return decodeJwt(assertion)
}

async function proofJkt(proof: string | null): Promise<string> {
  const header = decodeProtectedHeader(proof ?? '') as { jwk?: Record<string, string>; typ?: string }
  expect(header.typ).toBe('dpop+jwt')
  return calculateJwkThumbprint(header.jwk ?? {})
}

describe('tessera/client with PAR + DPoP + private_key_jwt together against oidc-provider', () => {
  it('pushes with an assertion and a proof, exchanges the code bound to that key, and refreshes the bound token', async () => {
    const browser = new Browser()
    const loginCtx = createClientContext({ url: 'http://127.0.0.1:5000/login/op', headers: {} })
    const redirect = await oauth.authorizeRedirect(loginCtx, 'op', REDIRECT_URI)
    keepCookies(browser, loginCtx.cookies)
    const authorization = new URL(redirect.location)
    expect([...authorization.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri'])

    const push = sent.filter((call) => call.url === `${provider.issuer}/request`).at(-1)
    expect(push).toBeDefined()
    expect(assertionOf(push?.body ?? '')).toMatchObject({ iss: CLIENT_ID, sub: CLIENT_ID })
    const key = await proofJkt(push?.dpop ?? null)

    const callback = await authorizeAtOidcProvider(browser, provider.issuer, authorization.href, ACCOUNT, (url) => url.href.startsWith(REDIRECT_URI))
    expect(callback.searchParams.get('iss')).toBe(provider.issuer)
    const ctx = createClientContext({ url: callback, headers: { cookie: browser.jar.header() } })
    const login = await oauth.authorizeAccessToken(ctx, 'op')
    keepCookies(browser, ctx.cookies)
    expect(login.tokens.token_type).toBe('dpop')
    expect(login.user).toMatchObject({ sub: ACCOUNT, name: 'Hana High-Assurance' })

    const exchange = sent.filter((call) => call.url === `${provider.issuer}/token` && new URLSearchParams(call.body).get('grant_type') === 'authorization_code').at(-1)
    const claims = assertionOf(exchange?.body ?? '')
    // A fresh assertion per request: oidc-provider keeps the jti single use.
    expect(claims.jti).not.toBe(assertionOf(push?.body ?? '').jti)
    expect(await proofJkt(exchange?.dpop ?? null)).toBe(key)

    const refreshed = await oauth.refreshToken(createClientContext({ url: 'http://127.0.0.1:5000/', headers: { cookie: browser.jar.header() } }))
    expect(refreshed.token_type).toBe('dpop')
    expect(refreshed.access_token).not.toBe(login.tokens.access_token)
    const refresh = sent.filter((call) => call.url === `${provider.issuer}/token` && new URLSearchParams(call.body).get('grant_type') === 'refresh_token').at(-1)
    assertionOf(refresh?.body ?? '')
    expect(await proofJkt(refresh?.dpop ?? null)).toBe(key)
  })
})
