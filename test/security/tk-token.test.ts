/**
 * Catalogue §2 — token endpoint: authorization code and client credentials (TK).
 *
 * TK-03 (code bound to the client) and TK-05 (PKCE verifier enforced) have no text in §2 but are cited by
 * Appendix B (Keycloak CVE-2026-16089) and by CA-04; they are covered here from RFC 6749 §4.1.3 and
 * RFC 7636 §4.6.
 */
import { decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { Browser } from '../helpers/http-client.js'
import { newPkce } from '../helpers/pkce.js'
import { basicAuth, clientPost, RP1, RP1B } from '../helpers/tessera.js'
import {
  atHash,
  completeInteraction,
  authorizationFlow,
  decodePayload,
  expectBearerError,
  expectTokenError,
  fetchJwks,
  postForm,
  redeem,
  refresh,
  sendAuthorization,
  tokensFor,
  authorizationRequest,
  expectRedirectError,
  sleep,
  userinfo,
  verifyIdToken,
  securityServerForFile,
  withSecurityServer,
} from './helpers.js'

const server = await securityServerForFile()

describe('TK token endpoint', () => {
  it('TK-01 code exchange returns the RFC 6749 §5.1 response and a valid RS256 ID token', async () => {
    const { conf } = server.clients
    const flow = await authorizationFlow(server, new Browser(), conf, { overrides: { scope: 'openid profile email offline_access', nonce: 'N-01' } })
    const response = await redeem(server, conf, flow)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('pragma')).toBe('no-cache')
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'openid profile email offline_access' })
    expect(body.access_token).toBeTypeOf('string')
    expect(body.refresh_token).toBeTypeOf('string')
    expect(body.expires_in).toBeTypeOf('number')
    expect(body.expires_in as number).toBeGreaterThan(0)

    const idToken = body.id_token as string
    const header = decodeProtectedHeader(idToken)
    expect(header.alg).toBe('RS256')
    const jwks = await fetchJwks(server)
    expect(jwks.keys.map((key) => key.kid)).toContain(header.kid)
    const claims = await verifyIdToken(server, idToken, 'conf', jwks)
    const now = Math.floor(Date.now() / 1000)
    expect(claims.iss).toBe(server.url)
    expect(claims.aud).toBe('conf')
    expect(claims.azp).toBe('conf')
    expect(claims.exp).toBeGreaterThan(now)
    expect(Math.abs((claims.iat ?? 0) - now)).toBeLessThanOrEqual(5)
    expect(claims.sub).toMatch(/^[\x21-\x7E]{1,255}$/)
    expect(claims.sub).toBe(server.users.alice.id)
    expect(claims.nonce).toBe('N-01')
    expect(claims.auth_time).toBeTypeOf('number')
    expect(claims.at_hash).toBe(atHash(body.access_token as string))
  })

  it('TK-02 a code works once; its replay is invalid_grant and revokes the tokens of the first use', async () => {
    const { conf } = server.clients
    const flow = await authorizationFlow(server, new Browser(), conf, { overrides: { scope: 'openid offline_access' } })
    const first = await redeem(server, conf, flow)
    expect(first.status).toBe(200)
    const tokens = (await first.json()) as { access_token: string; refresh_token: string }
    expect((await userinfo(server, tokens.access_token)).status).toBe(200)

    await expectTokenError(await redeem(server, conf, flow), 'invalid_grant')
    await expectBearerError(await userinfo(server, tokens.access_token), 'invalid_token')
    await expectTokenError(await refresh(server, conf, tokens.refresh_token), 'invalid_grant')
    // Replays keep failing, also after a pause (the code record is kept to recognise them).
    await sleep(1100)
    await expectTokenError(await redeem(server, conf, flow), 'invalid_grant')
  })

  it('TK-03 a code is bound to the client it was issued to', async () => {
    const { conf, other, pub } = server.clients
    const flow = await authorizationFlow(server, new Browser(), conf)
    await expectTokenError(await redeem(server, other, flow), 'invalid_grant')
    const publicFlow = await authorizationFlow(server, new Browser(), pub)
    await expectTokenError(await redeem(server, other, publicFlow), 'invalid_grant')
  })

  it('TK-04 an expired code is invalid_grant', async () => {
    await withSecurityServer({ lifetimes: { authorizationCode: 2 } }, async (short) => {
      const { conf } = short.clients
      const browser = new Browser()
      const control = await authorizationFlow(short, browser, conf)
      expect((await redeem(short, conf, control)).status).toBe(200)
      const flow = await authorizationFlow(short, browser, conf)
      await sleep(3000)
      await expectTokenError(await redeem(short, conf, flow), 'invalid_grant')
    })
  })

  it('TK-05 the PKCE verifier is required and must match the challenge', async () => {
    for (const client of [server.clients.pub, server.clients.conf]) {
      const missing = await authorizationFlow(server, new Browser(), client)
      await expectTokenError(await redeem(server, client, missing, { code_verifier: undefined }), 'invalid_grant')
      const wrong = await authorizationFlow(server, new Browser(), client)
      await expectTokenError(await redeem(server, client, wrong, { code_verifier: newPkce().verifier }), 'invalid_grant')
      // The challenge itself is not a verifier (RFC 7636 §4.6 compares its hash).
      const challenge = await authorizationFlow(server, new Browser(), client)
      await expectTokenError(await redeem(server, client, challenge, { code_verifier: challenge.request.code_challenge }), 'invalid_grant')
    }
  })

  it('TK-06 redirect_uri must match the authorization request exactly', async () => {
    const { conf } = server.clients
    const other = await authorizationFlow(server, new Browser(), conf)
    await expectTokenError(await redeem(server, conf, other, { redirect_uri: RP1B }), 'invalid_grant')
    const omitted = await authorizationFlow(server, new Browser(), conf)
    await expectTokenError(await redeem(server, conf, omitted, { redirect_uri: undefined }), 'invalid_grant')
    // The code requested for RP1b is fine at RP1b: the check compares, it does not refuse RP1b.
    const second = await authorizationFlow(server, new Browser(), conf, { overrides: { redirect_uri: RP1B } })
    expect((await redeem(server, conf, second)).status).toBe(200)
  })

  it('TK-07 password, implicit and unknown grants are refused; a missing grant_type is invalid_request', async () => {
    const { conf } = server.clients
    const forms: Record<string, string>[] = [
      { grant_type: 'password', username: 'alice', password: 'alice-password', scope: 'openid' },
      { grant_type: 'implicit' },
      { grant_type: 'foo' },
      { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: 'x.y.z' },
    ]
    for (const form of forms) {
      await expectTokenError(await clientPost(server, '/token', conf, form), 'unsupported_grant_type')
    }
    await expectTokenError(await clientPost(server, '/token', conf, { username: 'alice', password: 'alice-password' }), 'invalid_request')
  })

  it('TK-08 client credentials: only for registered confidential clients, allowed scopes, no refresh or ID token', async () => {
    const { m2m, conf, pub } = server.clients
    const response = await clientPost(server, '/token', m2m, { grant_type: 'client_credentials', scope: 'notes:read' })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'notes:read' })
    expect(body.access_token).toBeTypeOf('string')
    expect(body).not.toHaveProperty('refresh_token')
    expect(body).not.toHaveProperty('id_token')
    expect(decodePayload(body.access_token as string)).toMatchObject({ sub: 'm2m', client_id: 'm2m', scope: 'notes:read' })

    await expectTokenError(await clientPost(server, '/token', m2m, { grant_type: 'client_credentials', scope: 'notes:read admin' }), 'invalid_scope')
    await expectTokenError(await clientPost(server, '/token', m2m, { grant_type: 'client_credentials', scope: 'openid' }), 'invalid_scope')
    await expectTokenError(await clientPost(server, '/token', conf, { grant_type: 'client_credentials' }), 'unauthorized_client')
    await expectTokenError(await clientPost(server, '/token', pub, { grant_type: 'client_credentials' }), ['unauthorized_client', 'invalid_client'])
  })

  it('TK-09 malformed token requests: GET, JSON, repeated parameters; unknown parameters ignored; never 500', async () => {
    const { conf } = server.clients
    const viaGet = await fetch(`${server.url}/token?grant_type=client_credentials`, { headers: { authorization: basicAuth(conf) } })
    expect(viaGet.status).toBe(405)
    expect(viaGet.headers.get('allow')).toBe('POST')
    expect(((await viaGet.json()) as { error: string }).error).toBe('invalid_request')

    const flow = await authorizationFlow(server, new Browser(), conf)
    const json = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(conf), 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', code: flow.code, redirect_uri: flow.redirectUri, code_verifier: flow.verifier }),
    })
    await expectTokenError(json, 'invalid_request')

    const repeated = `grant_type=authorization_code&code=${flow.code ?? ''}&code=other&redirect_uri=${encodeURIComponent(flow.redirectUri)}&code_verifier=${flow.verifier}`
    const twice = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(conf), 'content-type': 'application/x-www-form-urlencoded' },
      body: repeated,
    })
    await expectTokenError(twice, 'invalid_request')

    // Neither refusal consumed the code; with an unknown extra parameter it is redeemed normally.
    const accepted = await redeem(server, conf, flow, { unknown_parameter: 'ignored', foo: 'bar' })
    expect(accepted.status).toBe(200)

    for (const response of [
      await postForm(server, '/token', {}),
      await fetch(`${server.url}/token`, { method: 'POST', headers: { authorization: basicAuth(conf) } }),
      await fetch(`${server.url}/token`, { method: 'POST', headers: { authorization: basicAuth(conf), 'content-type': 'application/x-www-form-urlencoded' }, body: '%%%' }),
      await fetch(`${server.url}/token`, { method: 'POST', headers: { authorization: basicAuth(conf), 'content-type': 'application/x-www-form-urlencoded' }, body: new Uint8Array([0x63, 0x6f, 0x64, 0x65, 0x3d, 0xff, 0xfe]) }),
      await fetch(`${server.url}/token`, { method: 'POST', headers: { authorization: 'Basic !!!', 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' }),
      await clientPost(server, '/token', conf, { grant_type: 'authorization_code', code: 'x'.repeat(5000), redirect_uri: RP1B, code_verifier: 'short' }),
    ]) {
      expect(response.status).toBeGreaterThanOrEqual(400)
      expect(response.status).toBeLessThan(500)
      await expectTokenError(response, ['invalid_request', 'invalid_client', 'invalid_grant'])
    }
  })

  it('TK-10 1 000 tokens: all distinct, 128+ random bits, A.12 characters; RFC 9068 claims; no more than granted; unknown resource is invalid_target', async () => {
    const { m2m, conf } = server.clients
    const VSCHAR = /^[\x20-\x7E]+$/ // RFC 6749 Appendix A.12
    const accessTokens = new Set<string>()
    const jtis = new Set<string>()
    // Sent ten at a time: enough to interleave issuance without burying the server.
    for (let batch = 0; batch < 100; batch++) {
      const bodies = await Promise.all(Array.from({ length: 10 }, async () => {
        const response = await clientPost(server, '/token', m2m, { grant_type: 'client_credentials', scope: 'notes:read' })
        expect(response.status).toBe(200)
        return (await response.json()) as { access_token: string; scope: string }
      }))
      for (const body of bodies) {
        expect(body.access_token).toMatch(VSCHAR)
        expect(body.scope).toBe('notes:read')
        accessTokens.add(body.access_token)
        const claims = decodePayload(body.access_token)
        jtis.add(claims.jti ?? '')
        expect(claims).toMatchObject({ iss: server.url, sub: 'm2m', client_id: 'm2m', scope: 'notes:read', aud: `${server.url}/api` })
      }
    }
    expect(accessTokens.size).toBe(1000)
    expect(jtis.size).toBe(1000)
    // The jti's random part (after the grant id) alone carries at least 128 bits: 22 base64url characters.
    for (const jti of jtis) expect(jti.split('.').at(-1)).toMatch(/^[A-Za-z0-9_-]{22,}$/)

    // Every JWT access token carries the RFC 9068 §2.2 claims under typ at+jwt, and only the consented scope.
    const tokens = await tokensFor(server, conf, { scope: 'openid notes:read offline_access' })
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt')
    const claims = decodePayload(tokens.access_token)
    for (const name of ['iss', 'aud', 'sub', 'client_id', 'exp', 'iat', 'jti']) expect(claims, name).toHaveProperty(name)
    expect(claims.scope).toBe('openid notes:read offline_access')
    expect(claims.aud).toBe(`${server.url}/api`)
    // Refresh tokens and codes: 256 random bits, base64url, never repeated across a rotation chain.
    const refreshTokens = new Set<string>()
    let current = tokens.refresh_token ?? ''
    for (let step = 0; step < 50; step++) {
      expect(current).toMatch(/^[A-Za-z0-9_-]{43,}$/)
      refreshTokens.add(current)
      const next = (await (await refresh(server, conf, current)).json()) as { refresh_token: string; scope: string }
      expect(next.scope).toBe('openid notes:read offline_access')
      current = next.refresh_token
    }
    expect(refreshTokens.size).toBe(50)
    expect(tokens.flow.code).toMatch(/^[A-Za-z0-9_-]{43,}$/)

    // RFC 8707 §2: a resource the server does not know is invalid_target, at both endpoints (at /authorize
    // once the user has signed in, so an anonymous visitor learns nothing about which APIs exist: RI-02).
    await expectTokenError(await clientPost(server, '/token', m2m, { grant_type: 'client_credentials', scope: 'notes:read', resource: 'https://elsewhere.example/api' }), 'invalid_target')
    const { params } = authorizationRequest(conf, { resource: 'https://elsewhere.example/api', state: 'S-10' })
    const browser = new Browser()
    const { response } = await completeInteraction(server, browser, await sendAuthorization(server, browser, params), { user: server.users.alice })
    expectRedirectError(response, { redirectUri: RP1, error: 'invalid_target', state: 'S-10', iss: server.url })
  }, 120_000) // a thousand token requests on a loaded machine
})
