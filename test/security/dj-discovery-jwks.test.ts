/**
 * Catalogue §6 — discovery and JWKS (DJ).
 *
 * Tessera has no dynamic client registration, so `registration_endpoint` is expected to be absent
 * (DJ-01 lists it among the members that must be present when the feature exists).
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { rotateSigningKeys } from '../../src/server/key-set.js'
import { clientPost, SECRET } from '../helpers/tessera.js'
import { fetchJwks, sleep, securityServerForFile, tokensFor, verifyIdToken } from './helpers.js'

const server = await securityServerForFile()

async function metadata(path: string): Promise<{ response: Response; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`)
  return { response, body: (await response.json()) as Record<string, unknown> }
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

describe('DJ discovery and JWKS', () => {
  it('DJ-01 both discovery documents: same content, exact issuer, required members', async () => {
    const oidc = await metadata('/.well-known/openid-configuration')
    const oauth = await metadata('/.well-known/oauth-authorization-server')
    for (const { response } of [oidc, oauth]) {
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    }
    expect(oauth.body).toEqual(oidc.body)
    const body = oidc.body
    // String-identical to the issuer in tokens and in `iss` of authorization responses.
    expect(body.issuer).toBe(server.url)
    for (const member of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'end_session_endpoint']) {
      expect(body[member], member).toBeTypeOf('string')
      expect((body[member] as string).startsWith(`${server.url}/`), member).toBe(true)
    }
    expect(body.response_types_supported).toContain('code')
    expect(body.subject_types_supported).toEqual(expect.arrayContaining(['public']))
    expect(body.id_token_signing_alg_values_supported).toContain('RS256')
    expect(body.scopes_supported).toContain('openid')
    expect(body).not.toHaveProperty('registration_endpoint')
    // Every advertised endpoint answers (no 404 behind a published URL).
    for (const member of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'end_session_endpoint']) {
      const response = await fetch(body[member] as string, { redirect: 'manual' })
      expect(response.status, member).not.toBe(404)
    }
  })

  it('DJ-02 metadata advertises the secure posture, and it matches behaviour', async () => {
    const { body } = await metadata('/.well-known/openid-configuration')
    expect(body.code_challenge_methods_supported).toEqual(['S256'])
    expect(body.response_types_supported).toEqual(['code'])
    for (const grant of ['password', 'implicit']) expect(body.grant_types_supported).not.toContain(grant)
    expect(new Set(body.token_endpoint_auth_methods_supported as string[])).toEqual(new Set(['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt', 'client_secret_jwt']))
    // JWT client authentication: asymmetric algorithms and HMAC (client_secret_jwt), never none (CA-06).
    expect(body.token_endpoint_auth_signing_alg_values_supported).not.toContain('none')
    expect(body.authorization_response_iss_parameter_supported).toBe(true)
    expect(body.id_token_signing_alg_values_supported).not.toContain('none')
    for (const alg of body.id_token_signing_alg_values_supported as string[]) expect(alg).not.toMatch(/^HS/)
    expect(body.request_parameter_supported).toBe(false)
    expect(body.request_uri_parameter_supported).toBe(false)
    expect(body.introspection_endpoint_auth_methods_supported).not.toContain('none')

    // Behaviour check for the auth methods: each advertised grant works for a client registered for it.
    const cc = await clientPost(server, '/token', server.clients.m2m, { grant_type: 'client_credentials' })
    expect(cc.status).toBe(200)
    expect(body.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']))
  })

  it('DJ-04 JWKS holds public signing keys only, each with a unique kid, kty, use and alg of adequate size', async () => {
    const response = await fetch(`${server.url}/jwks`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/(jwk-set\+)?json/)
    const jwks = (await response.json()) as { keys: JWK[] }
    expect(jwks.keys.length).toBeGreaterThan(0)
    const kids = jwks.keys.map((key) => key.kid)
    expect(new Set(kids).size).toBe(kids.length)
    for (const key of jwks.keys) {
      for (const member of PRIVATE_MEMBERS) expect(key, `${key.kid} ${member}`).not.toHaveProperty(member)
      expect(key.kid).toBeTypeOf('string')
      expect(key.use === 'sig' || key.key_ops?.includes('verify')).toBe(true)
      expect(key.alg).toBeTypeOf('string')
      if (key.kty === 'RSA') {
        expect(Buffer.from(key.n ?? '', 'base64url').length * 8).toBeGreaterThanOrEqual(2048)
      } else if (key.kty === 'EC') {
        expect(['P-256', 'P-384', 'P-521']).toContain(key.crv)
      } else {
        expect(key.kty).toBe('OKP')
        expect(key.crv).toBe('Ed25519')
      }
    }
    // The default ID token algorithm has a key.
    expect(jwks.keys.some((key) => key.alg === 'RS256')).toBe(true)
  })

  it('DJ-05 issued JWTs name a published kid whose alg they use, and verify', async () => {
    const { body } = await metadata('/.well-known/openid-configuration')
    const jwks = await fetchJwks(server)
    const keys = createLocalJWKSet(jwks)
    const tokens = await tokensFor(server, server.clients.conf)
    const cc = (await (await clientPost(server, '/token', server.clients.m2m, { grant_type: 'client_credentials' })).json()) as { access_token: string }

    for (const token of [tokens.id_token ?? '', tokens.access_token, cc.access_token]) {
      const header = decodeProtectedHeader(token)
      const key = jwks.keys.find((candidate) => candidate.kid === header.kid)
      expect(key, `kid ${header.kid}`).toBeDefined()
      expect(header.alg).toBe(key?.alg)
      expect(body.id_token_signing_alg_values_supported).toContain(header.alg)
      await jwtVerify(token, keys, { issuer: server.url, algorithms: [header.alg ?? ''] })
    }
    expect(decodeProtectedHeader(tokens.id_token ?? '').alg).toBe('RS256')
    // RFC 9068 §2.1: access tokens are typed, so an ID token cannot pass for one and vice versa.
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt')
    expect(decodeProtectedHeader(tokens.id_token ?? '').typ).not.toBe('at+jwt')
  })

  it('DJ-06 key rotation publishes the new kid, keeps the old one, and old and new tokens verify', async () => {
    const before = await fetchJwks(server)
    const oldTokens = await tokensFor(server, server.clients.conf)
    const oldKid = decodeProtectedHeader(oldTokens.id_token ?? '').kid

    // The CLI's `tessera-oidc keys rotate` writes to the store; the running server notices within seconds.
    const created = await rotateSigningKeys(server.store, SECRET, Math.floor(Date.now() / 1000), 3600)
    const newKids = created.map((key) => key.kid)
    let after = await fetchJwks(server)
    for (let attempt = 0; attempt < 30 && !newKids.every((kid) => after.keys.some((key) => key.kid === kid)); attempt++) {
      await sleep(100)
      after = await fetchJwks(server)
    }
    const published = after.keys.map((key) => key.kid)
    for (const kid of newKids) expect(published).toContain(kid)
    for (const key of before.keys) expect(published).toContain(key.kid)

    const newTokens = await tokensFor(server, server.clients.conf)
    const newKid = decodeProtectedHeader(newTokens.id_token ?? '').kid
    expect(newKids).toContain(newKid)
    expect(newKid).not.toBe(oldKid)
    await verifyIdToken(server, oldTokens.id_token ?? '', 'conf', after)
    await verifyIdToken(server, newTokens.id_token ?? '', 'conf', after)
    // Tokens signed before the rotation are still accepted by the server itself.
    expect((await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${oldTokens.access_token}` } })).status).toBe(200)
  })
})
