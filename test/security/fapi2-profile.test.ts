/**
 * The FAPI 2.0 Security Profile as one switch (`profile: 'fapi2'`, issue 15): a server so configured
 * refuses every request the profile forbids with the RFC error, and a compliant client — PAR, PKCE S256,
 * DPoP and `private_key_jwt` with ES256 — completes the code flow. Over real loopback HTTP against the
 * standalone server; the start-time refusals through `createAuthorizationServer`.
 */
import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { ConfigError, type AuthorizationServerConfig } from '../../src/server/config.js'
import { createAuthorizationServer } from '../../src/server/create-server.js'
import { pushedAuthorizationRequests } from '../../src/server/par/index.js'
import { createMemoryStore } from '../../src/storage/memory.js'
import { Browser } from '../helpers/http-client.js'
import { dpopKey, dpopProof, type DpopKey } from '../helpers/dpop.js'
import { basicAuth, RP1, SECRET, type TestClient } from '../helpers/tessera.js'
import { authorizationRequest, completeInteraction, expectErrorPage, expectTokenError, postForm, registerClient, sendAuthorization, securityServerForFile, type Params } from './helpers.js'

const server = await securityServerForFile({ profile: 'fapi2' })
const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
const ISS = String(discovery.issuer)
const TOKEN_URL = `${server.url}/token`
const PAR_URL = `${server.url}/par`
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const now = (): number => Math.floor(Date.now() / 1000)

interface Key { kid: string; alg: string; privateKey: CryptoKey; publicJwk: JWK }

async function newKey(alg: 'ES256' | 'RS256'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const kid = randomUUID()
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } }
}

let counter = 0
/** A `private_key_jwt` client with `keys`; ID tokens ES256 unless `idTokenAlg` says otherwise. */
async function fapiClient(keys: Key[], idTokenAlg = 'ES256'): Promise<TestClient> {
  const id = `fapi-${++counter}`
  await createClient(server.store, {
    name: id, clientId: id, authMethod: 'private_key_jwt', redirectUris: [RP1], grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    scopes: ['openid', 'profile', 'email', 'offline_access', 'notes:read'], jwks: { keys: keys.map((key) => key.publicJwk) }, idTokenSignedResponseAlg: idTokenAlg,
  }, now())
  return { id, secret: undefined, method: 'private_key_jwt', redirectUri: RP1 }
}

async function assertion(key: Key, clientId: string, claims: Record<string, unknown> = {}): Promise<string> {
  const t = now()
  return new SignJWT({ iss: clientId, sub: clientId, aud: ISS, jti: randomUUID(), iat: t, exp: t + 60, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey)
}

/** A form POST authenticated by `private_key_jwt`, with a DPoP proof when `proof` is given. */
async function signedPost(url: string, key: Key, clientId: string, form: Params, options: { proof?: string; aud?: unknown } = {}): Promise<Response> {
  const client_assertion = await assertion(key, clientId, options.aud === undefined ? {} : { aud: options.aud })
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(options.proof ? { dpop: options.proof } : {}) },
    body: new URLSearchParams({ ...form, client_id: clientId, client_assertion_type: ASSERTION_TYPE, client_assertion }).toString(),
  })
}

let es256: Key
let rs256: Key
let client: TestClient
let dpop: DpopKey

beforeAll(async () => {
  es256 = await newKey('ES256')
  rs256 = await newKey('RS256')
  client = await fapiClient([es256, rs256])
  dpop = await dpopKey()
})

/** Pushes a compliant request (with `overrides`) and returns the answer and the PKCE verifier. */
async function push(overrides: Record<string, string | undefined> = {}, key = es256, clientId = client.id): Promise<{ response: Response; verifier: string }> {
  const { params, verifier } = authorizationRequest({ ...client, id: clientId }, overrides)
  return { response: await signedPost(PAR_URL, key, clientId, params), verifier }
}

/** A compliant flow up to the code: PAR, then /authorize by reference, login and consent. */
async function codeFlow(): Promise<{ code: string; verifier: string; location: URL }> {
  const { response, verifier } = await push({ scope: 'openid profile offline_access' })
  const body = (await response.json()) as { request_uri: string }
  expect(response.status, JSON.stringify(body)).toBe(201)
  const browser = new Browser()
  const first = await sendAuthorization(server, browser, { client_id: client.id, request_uri: body.request_uri })
  const outcome = await completeInteraction(server, browser, first, { user: server.users.alice })
  const location = new URL(outcome.response.headers.get('location') ?? 'about:blank')
  return { code: location.searchParams.get('code') ?? '', verifier, location }
}

const codeForm = (code: string, verifier: string): Params => ({ grant_type: 'authorization_code', code, redirect_uri: RP1, code_verifier: verifier })
const tokenProof = (key = dpop, alg?: string): Promise<string> => dpopProof(key, { htm: 'POST', htu: TOKEN_URL, ...(alg ? { alg } : {}) })

describe('FAPI 2.0 profile: discovery', () => {
  it('announces PAR required, private_key_jwt only, S256, DPoP and signing algorithms of the profile, iss in responses', () => {
    expect(discovery).toMatchObject({
      require_pushed_authorization_requests: true,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      authorization_response_iss_parameter_supported: true,
      id_token_signing_alg_values_supported: ['ES256'],
      token_endpoint_auth_signing_alg_values_supported: ['PS256', 'ES256', 'EdDSA'],
    })
    expect(discovery.pushed_authorization_request_endpoint).toBe(PAR_URL)
    expect([...(discovery.dpop_signing_alg_values_supported as string[])].sort()).toEqual(['ES256', 'EdDSA', 'PS256'])
  })
})

describe('FAPI 2.0 profile: a compliant client', () => {
  it('PAR + PKCE S256 + DPoP + private_key_jwt (ES256): code with iss, DPoP-bound tokens, ES256 ID token, userinfo and the API under DPoP', async () => {
    const { code, verifier, location } = await codeFlow()
    expect(location.searchParams.get('iss')).toBe(ISS)
    const response = await signedPost(TOKEN_URL, es256, client.id, codeForm(code, verifier), { proof: await tokenProof() })
    const tokens = (await response.json()) as { access_token: string; token_type: string; id_token: string; refresh_token: string }
    expect(response.status, JSON.stringify(tokens)).toBe(200)
    expect(tokens.token_type).toBe('DPoP')
    expect(JSON.parse(Buffer.from(tokens.id_token.split('.')[0] ?? '', 'base64url').toString())).toMatchObject({ alg: 'ES256' })
    expect(JSON.parse(Buffer.from(tokens.access_token.split('.')[0] ?? '', 'base64url').toString())).toMatchObject({ alg: 'ES256' })

    const info = await fetch(`${server.url}/userinfo`, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: await dpopProof(dpop, { htm: 'GET', htu: `${server.url}/userinfo`, accessToken: tokens.access_token }) } })
    expect(info.status, await info.clone().text()).toBe(200)
    // Bearer use of the token: refused at /userinfo and at the demo API.
    for (const path of ['/userinfo', '/api/notes']) {
      const bearer = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
      expect(bearer.status).toBe(401)
      expect(bearer.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/)
    }
    const refreshed = await signedPost(TOKEN_URL, es256, client.id, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { proof: await tokenProof() })
    expect(refreshed.status, await refreshed.clone().text()).toBe(200)
    expect(await refreshed.json()).toMatchObject({ token_type: 'DPoP' })
  })
})

describe('FAPI 2.0 profile: every non-compliant request refused', () => {
  it('missing PAR: an authorization request by value gets no code', async () => {
    const { params } = authorizationRequest(client)
    const response = await sendAuthorization(server, new Browser(), params)
    expect(await expectErrorPage(response)).toMatch(/pushed authorization request/)
  })

  it('secret authentication: client_secret_basic and client_secret_post are 401 invalid_client at /par and /token', async () => {
    const secretClient = await registerClient(server)
    const { params } = authorizationRequest(secretClient)
    await expectTokenError(await postForm(server, '/par', params, { authorization: basicAuth(secretClient) }), 'invalid_client', 401)
    await expectTokenError(await postForm(server, '/par', { ...params, client_secret: secretClient.secret ?? '' }), 'invalid_client', 401)
    await expectTokenError(await postForm(server, '/token', { grant_type: 'client_credentials' }, { authorization: basicAuth(server.clients.m2m) }), 'invalid_client', 401)
  })

  it('public client: no authentication is 401 invalid_client at /par and /token', async () => {
    const pub = server.clients.pub
    const { params } = authorizationRequest(pub)
    await expectTokenError(await postForm(server, '/par', params), 'invalid_client', 401)
    await expectTokenError(await postForm(server, '/token', { grant_type: 'authorization_code', client_id: pub.id, code: 'x', redirect_uri: RP1, code_verifier: 'v'.repeat(43) }, { dpop: await tokenProof() }), 'invalid_client', 401)
  })

  it('plain or missing PKCE, another response_type, a missing redirect_uri: refused at /par', async () => {
    await expectTokenError((await push({ code_challenge_method: 'plain', code_challenge: 'a'.repeat(43) })).response, 'invalid_request', 400)
    await expectTokenError((await push({ code_challenge: undefined, code_challenge_method: undefined })).response, 'invalid_request', 400)
    await expectTokenError((await push({ response_type: 'code id_token' })).response, 'unsupported_response_type', 400)
    await expectTokenError((await push({ redirect_uri: undefined })).response, 'invalid_request', 400)
  })

  it('missing DPoP proof: the code exchange and client credentials are invalid_dpop_proof; an RS256 proof too', async () => {
    const { code, verifier } = await codeFlow()
    await expectTokenError(await signedPost(TOKEN_URL, es256, client.id, codeForm(code, verifier)), 'invalid_dpop_proof', 400)
    await expectTokenError(await signedPost(TOKEN_URL, es256, client.id, { grant_type: 'client_credentials', scope: 'notes:read' }), 'invalid_dpop_proof', 400)
    const rsaProofKey = await dpopKey('RS256')
    await expectTokenError(await signedPost(TOKEN_URL, es256, client.id, { grant_type: 'client_credentials', scope: 'notes:read' }, { proof: await tokenProof(rsaProofKey, 'RS256') }), 'invalid_dpop_proof', 400)
    const accepted = await signedPost(TOKEN_URL, es256, client.id, { grant_type: 'client_credentials', scope: 'notes:read' }, { proof: await tokenProof() })
    expect(accepted.status, await accepted.clone().text()).toBe(200)
  })

  it('RS256 client assertion: 401 invalid_client (the same key set verifies ES256)', async () => {
    await expectTokenError((await push({}, rs256)).response, 'invalid_client', 401)
    await expectTokenError(await signedPost(TOKEN_URL, rs256, client.id, { grant_type: 'client_credentials' }, { proof: await tokenProof() }), 'invalid_client', 401)
  })

  it('token-endpoint URL or an array as the assertion audience: 401 invalid_client', async () => {
    for (const aud of [TOKEN_URL, [ISS, TOKEN_URL], [ISS]]) {
      await expectTokenError(await signedPost(TOKEN_URL, es256, client.id, { grant_type: 'client_credentials' }, { proof: await tokenProof(), aud }), 'invalid_client', 401)
    }
  })

  it('a client registered with RS256 ID tokens is refused (invalid_client naming the setting), not given ES256 ones', async () => {
    const key = await newKey('ES256')
    const legacy = await fapiClient([key], 'RS256')
    const { response } = await push({}, key, legacy.id)
    const body = await expectTokenError(response, 'invalid_client', 401)
    expect(String(body.error_description)).toMatch(/id_token_signed_response_alg RS256/)
  })
})

describe('FAPI 2.0 profile: contradictory configuration refused at start', () => {
  const base = (): AuthorizationServerConfig => ({ issuer: 'http://localhost:4999', store: createMemoryStore(), secret: SECRET, profile: 'fapi2' })
  const cases: Array<[string, Partial<AuthorizationServerConfig>]> = [
    ['lifetimes.authorizationCode', { lifetimes: { authorizationCode: 300 } }],
    ['clientAssertions.legacyAudiences', { clientAssertions: { legacyAudiences: true } }],
    ['requireDpop', { requireDpop: false }],
    ['accessTokenSigningAlg', { accessTokenSigningAlg: 'RS256' }],
    ['capabilities', { capabilities: [pushedAuthorizationRequests({ required: false })] }],
  ]
  for (const [field, change] of cases) {
    it(`${field} contradicting the profile is a ConfigError naming it`, async () => {
      const error = await createAuthorizationServer({ ...base(), ...change }).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toContain(field)
      expect((error as Error).message).toContain('fapi2')
    })
  }

  it('an unknown profile is a ConfigError; a 60 s code lifetime and a required PAR capability are accepted', async () => {
    await expect(createAuthorizationServer({ ...base(), profile: 'fapi1' as 'fapi2' })).rejects.toThrow(/profile must be one of fapi2/)
    const accepted = await createAuthorizationServer({ ...base(), lifetimes: { authorizationCode: 60 }, capabilities: [pushedAuthorizationRequests({ required: true })] })
    expect(accepted.config.profile).toBe('fapi2')
    expect(accepted.config.dpop.required).toBe(true)
    expect(accepted.metadata().require_pushed_authorization_requests).toBe(true)
  })
})
