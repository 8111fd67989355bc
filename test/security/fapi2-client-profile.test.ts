/**
 * The FAPI 2.0 Security Profile for one client (`client create --profile fapi2`, `createFapi2Client`) on a
 * server that does not run it for everyone: the FAPI client gets the profile's rules — PAR required,
 * private_key_jwt with a profile algorithm, DPoP-bound tokens with profile proof algorithms, ES256 ID tokens,
 * codes of at most 60 s — while an ordinary client on the same server keeps the server's rules.
 */
import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import type { ServerContext } from '../../src/server/context.js'
import { authorizationCodeLifetime, CLIENT_PROFILE } from '../../src/server/fapi2/client-profile.js'
import { createFapi2Client } from '../../src/server/fapi2/create-client.js'
import { dpopKey, dpopProof } from '../helpers/dpop.js'
import { Browser } from '../helpers/http-client.js'
import { basicAuth, RP1 } from '../helpers/tessera.js'
import { authorizationRequest, completeInteraction, expectErrorPage, expectTokenError, postForm, registerClient, sendAuthorization, securityServerForFile } from './helpers.js'

// Codes live five minutes on this server: the FAPI client's must not.
const server = await securityServerForFile({ lifetimes: { authorizationCode: 300 } })
const ISS = String(((await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>).issuer)
const TOKEN_URL = `${server.url}/token`
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const now = (): number => Math.floor(Date.now() / 1000)

interface Key { kid: string; alg: string; privateKey: CryptoKey; publicJwk: JWK }
async function newKey(alg: 'ES256' | 'RS256'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const kid = randomUUID()
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid } }
}

const es256 = await newKey('ES256')
const rs256 = await newKey('RS256')
const fapiId = 'fapi-client'
const { client: fapiClient } = await createFapi2Client(server.store, {
  name: 'bank app', clientId: fapiId, redirectUris: [RP1], grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  scopes: ['openid', 'profile', 'notes:read'], jwks: { keys: [es256.publicJwk, rs256.publicJwk] },
}, now())
const ordinary = await registerClient(server, { grants: ['authorization_code', 'refresh_token', 'client_credentials'], scopes: ['openid', 'profile', 'notes:read'] })

async function signedPost(url: string, key: Key, form: Record<string, string>, proof?: string): Promise<Response> {
  const t = now()
  const client_assertion = await new SignJWT({ iss: fapiId, sub: fapiId, aud: ISS, jti: randomUUID(), iat: t, exp: t + 60 })
    .setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey)
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(proof ? { dpop: proof } : {}) },
    body: new URLSearchParams({ ...form, client_id: fapiId, client_assertion_type: ASSERTION_TYPE, client_assertion }),
  })
}

const proof = async (alg = 'ES256'): Promise<string> => dpopProof(await dpopKey(alg), { htm: 'POST', htu: TOKEN_URL, alg })

describe('per-client FAPI 2.0: registration', () => {
  it('stores the profile\'s settings and the profile itself', async () => {
    expect(fapiClient).toMatchObject({
      token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', require_pushed_authorization_requests: true,
      dpop_bound_access_tokens: true, id_token_signed_response_alg: 'ES256',
    })
    expect((await server.store.records.get(CLIENT_PROFILE, fapiId, now()))?.value).toEqual({ profile: 'fapi2' })
  })

  it('refuses settings that contradict the profile: a secret, RS256 assertions, no PAR, bearer tokens', async () => {
    const base = { name: 'x', redirectUris: [RP1], jwks: { keys: [es256.publicJwk] } }
    await expect(createFapi2Client(server.store, { ...base, authMethod: 'client_secret_basic', jwks: undefined }, now())).rejects.toThrow(/private_key_jwt/)
    await expect(createFapi2Client(server.store, { ...base, tokenEndpointAuthSigningAlg: 'RS256' }, now())).rejects.toThrow(/auth signing alg/)
    await expect(createFapi2Client(server.store, { ...base, requirePushedAuthorizationRequests: false }, now())).rejects.toThrow(/require PAR/)
    await expect(createFapi2Client(server.store, { ...base, dpopBoundAccessTokens: false }, now())).rejects.toThrow(/DPoP/)
  })
})

describe('per-client FAPI 2.0: the FAPI client and an ordinary client on one server', () => {
  it('authorization requests: the FAPI client must push them, the ordinary client need not', async () => {
    const direct = authorizationRequest({ id: fapiId, secret: undefined, method: 'private_key_jwt', redirectUri: RP1 })
    const refused = await sendAuthorization(server, new Browser(), direct.params)
    expect(await expectErrorPage(refused)).toMatch(/pushed authorization request/)
    const plain = authorizationRequest(ordinary, { scope: 'openid profile' })
    const browser = new Browser()
    const first = await sendAuthorization(server, browser, plain.params)
    const outcome = await completeInteraction(server, browser, first, { user: server.users.alice })
    expect(outcome.response.headers.get('location'), `${outcome.response.status} ${await outcome.response.clone().text()}`).toContain('code=')
  })

  it('token requests: the FAPI client needs a DPoP proof of a profile algorithm and an ES256 assertion; the ordinary client needs neither', async () => {
    const form = { grant_type: 'client_credentials', scope: 'notes:read' }
    await expectTokenError(await signedPost(TOKEN_URL, es256, form), 'invalid_dpop_proof')
    await expectTokenError(await signedPost(TOKEN_URL, es256, form, await proof('RS256')), 'invalid_dpop_proof')
    await expectTokenError(await signedPost(TOKEN_URL, rs256, form, await proof('ES256')), 'invalid_client', 401)
    const bound = await signedPost(TOKEN_URL, es256, form, await proof('ES256'))
    expect(await bound.json()).toMatchObject({ token_type: 'DPoP' })

    const bearer = await postForm(server, '/token', form, { authorization: basicAuth(ordinary) })
    expect(await bearer.json()).toMatchObject({ token_type: 'Bearer' })
    // The server allows RS256 proofs to everyone else.
    const rsaBound = await postForm(server, '/token', form, { authorization: basicAuth(ordinary), dpop: await proof('RS256') })
    expect(await rsaBound.json()).toMatchObject({ token_type: 'DPoP' })
  })

  it('codes: at most 60 s for the FAPI client, the server\'s 300 s for the ordinary client', async () => {
    // What issueCodeRedirect asks, with this server's store and lifetime.
    const stub = { config: { lifetimes: { authorizationCode: 300 }, store: server.store, now } } as unknown as ServerContext
    expect(await authorizationCodeLifetime(stub, fapiId)).toBe(60)
    expect(await authorizationCodeLifetime(stub, ordinary.id)).toBe(300)
  })
})
