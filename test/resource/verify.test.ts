import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { OAuthError } from '../../src/errors.js'
import type { OAuthRequest, OAuthResponse } from '../../src/http/types.js'
import { createResourceServer, type ResourceServer, type ResourceServerOptions, type VerifyResult } from '../../src/resource/index.js'
import {
  AUDIENCE,
  FakeAuthorizationServer,
  accessToken,
  atHeader,
  b64url,
  bearer,
  captureServer,
  claims,
  generateKey,
  hs256,
  nowSeconds,
  request,
  segment,
  signWith,
  type Listening,
  type TestKey,
} from './fixtures.js'

let as: FakeAuthorizationServer
let es256: TestKey
let rs256: TestKey
let foreign: TestKey

beforeAll(async () => {
  es256 = generateKey('ES256')
  rs256 = generateKey('RS256')
  foreign = generateKey('ES256')
  as = await new FakeAuthorizationServer().start()
  as.jwks = { keys: [es256.publicJwk, rs256.publicJwk] }
})
afterAll(async () => {
  await as.close()
})

function resourceServer(options: Partial<ResourceServerOptions> = {}): ResourceServer {
  return createResourceServer({ issuer: as.url, audience: AUDIENCE, realm: 'notes', ...options })
}

function refused(result: VerifyResult): OAuthResponse {
  if (result.ok) throw new Error(`expected a refusal, got principal ${JSON.stringify(result.principal)}`)
  return result.response
}

/** Status and challenge of a refusal, for compact assertions. */
function outcome(result: VerifyResult): { status: number; challenge: string | null } {
  const response = refused(result)
  return { status: response.status, challenge: response.headers.get('www-authenticate') }
}

/** RFC 9728 §5.1 `resource_metadata`, derived from AUDIENCE (§3.1) when not configured. */
const METADATA = ', resource_metadata="http://127.0.0.1:6000/.well-known/oauth-protected-resource/api"'
const INVALID_TOKEN = { status: 401, challenge: expect.stringMatching(/^Bearer realm="notes", error="invalid_token"/) as unknown }
const INVALID_REQUEST = { status: 400, challenge: expect.stringMatching(/^Bearer realm="notes", error="invalid_request"/) as unknown }

describe('RS-01 no credentials', () => {
  it('answers 401 with a realm and no error attribute', async () => {
    const response = refused(await resourceServer().verify(request()))
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="notes"${METADATA}`)
    expect(response.body).toBeUndefined()
  })
  it('names the configured resourceMetadataUrl instead of the derived one (RFC 9728 §5.1)', async () => {
    const rs = resourceServer({ resourceMetadataUrl: 'https://proxy.example.com/.well-known/oauth-protected-resource/api' })
    expect(outcome(await rs.verify(request())).challenge).toBe('Bearer realm="notes", resource_metadata="https://proxy.example.com/.well-known/oauth-protected-resource/api"')
    expect(outcome(await rs.verify(bearer('abc'))).challenge).toMatch(/error="invalid_token".*resource_metadata="https:\/\/proxy\.example\.com\//)
  })
  it('derives resource_metadata from the audience by path insertion (RFC 9728 §3.1), as metadataPath serves it', async () => {
    const rs = createResourceServer({ issuer: as.url, audience: 'http://localhost:3001/mcp' })
    expect(rs.metadataPath).toBe('/.well-known/oauth-protected-resource/mcp')
    expect(outcome(await rs.verify(request())).challenge).toBe('Bearer realm="http://localhost:3001/mcp", resource_metadata="http://localhost:3001/.well-known/oauth-protected-resource/mcp"')
  })
  it('has no resource_metadata for an audience that is not an http(s) URL', async () => {
    const rs = createResourceServer({ issuer: as.url, audience: 'urn:example:notes', realm: 'notes' })
    expect(outcome(await rs.verify(request())).challenge).toBe('Bearer realm="notes"')
  })
  it('defaults the realm to the audience', async () => {
    const rs = createResourceServer({ issuer: as.url, audience: AUDIENCE })
    expect(outcome(await rs.verify(request())).challenge).toBe(`Bearer realm="${AUDIENCE}"${METADATA}`)
  })
})

describe('RS-02 valid token; scheme is case-insensitive', () => {
  it.each(['Bearer', 'bearer', 'BEARER'])('accepts %s', async (scheme) => {
    const token = accessToken(es256, as.url)
    const result = await resourceServer().verify(request({ headers: { authorization: `${scheme} ${token}` } }))
    expect(result).toMatchObject({ ok: true, principal: { subject: 'alice', clientId: 'app', scopes: ['notes:read'], claims: { iss: as.url, aud: AUDIENCE } } })
  })
  it('accepts RS256 and typ application/at+jwt (RFC 9068 §4)', async () => {
    expect((await resourceServer().verify(bearer(accessToken(rs256, as.url)))).ok).toBe(true)
    expect((await resourceServer().verify(bearer(accessToken(es256, as.url, {}, { typ: 'application/at+jwt' })))).ok).toBe(true)
  })
  it('accepts aud as an array naming this API', async () => {
    expect((await resourceServer().verify(bearer(accessToken(es256, as.url, { aud: ['http://other.example/api', AUDIENCE] })))).ok).toBe(true)
  })
  it('accepts the token in a form body (RFC 6750 §2.2)', async () => {
    const token = accessToken(es256, as.url)
    const result = await resourceServer().verify(request({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${token}&note=hi` }))
    expect(result.ok).toBe(true)
  })
})

describe('RS-03 malformed authorization', () => {
  const rs = (): ResourceServer => resourceServer()
  it('refuses "Bearer" without a token with invalid_request', async () => {
    expect(outcome(await rs().verify(request({ headers: { authorization: 'Bearer' } })))).toEqual(INVALID_REQUEST)
  })
  it.each([
    ['two tokens', 'Bearer a b'],
    ['quotes', 'Bearer "abc"'],
    ['a comma', 'Bearer abc,def'],
  ])('refuses %s with invalid_token', async (_name, authorization) => {
    expect(outcome(await rs().verify(request({ headers: { authorization } })))).toEqual(INVALID_TOKEN)
  })
  it('refuses another scheme with invalid_request', async () => {
    expect(outcome(await rs().verify(request({ headers: { authorization: 'Basic YTpi' } })))).toEqual(INVALID_REQUEST)
  })
  it('refuses two Authorization headers', async () => {
    const token = accessToken(es256, as.url)
    const headers: [string, string][] = [['authorization', `Bearer ${token}`], ['authorization', `Bearer ${token}`]]
    expect(outcome(await rs().verify(request({ headers })))).toEqual(INVALID_TOKEN)
  })
  it('refuses a 100 KB token before any parsing', async () => {
    expect(outcome(await rs().verify(bearer('a'.repeat(100_000))))).toEqual(INVALID_TOKEN)
  })
  it('refuses a JWT with a 100 KB header', async () => {
    const token = signWith(es256, atHeader(es256, { pad: 'x'.repeat(100_000) }), claims(as.url))
    expect(outcome(await rs().verify(bearer(token)))).toEqual(INVALID_TOKEN)
  })
  it('answers a JSON error body without internals', async () => {
    const response = refused(await rs().verify(bearer('not-a-jwt')))
    expect(JSON.parse(String(response.body))).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid or expired' })
    expect(response.headers.get('cache-control')).toBe('no-store')
  })
})

describe('RS-04 one transport only; no query tokens', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  it('refuses header and query together with invalid_request', async () => {
    const token = accessToken(es256, as.url)
    expect(outcome(await resourceServer().verify(request({ url: `/api/notes?access_token=${token}`, headers: { authorization: `Bearer ${token}` } })))).toEqual(INVALID_REQUEST)
  })
  it('refuses header and form body together with invalid_request', async () => {
    const token = accessToken(es256, as.url)
    expect(outcome(await resourceServer().verify(request({ method: 'POST', headers: { ...form, authorization: `Bearer ${token}` }, body: `access_token=${token}` })))).toEqual(INVALID_REQUEST)
  })
  it('refuses a repeated form parameter with invalid_request', async () => {
    const token = accessToken(es256, as.url)
    expect(outcome(await resourceServer().verify(request({ method: 'POST', headers: form, body: `access_token=${token}&access_token=${token}` })))).toEqual(INVALID_REQUEST)
  })
  it('treats a query-only token as no token (401, no error)', async () => {
    const token = accessToken(es256, as.url)
    expect(outcome(await resourceServer().verify(request({ url: `/api/notes?access_token=${token}` })))).toEqual({ status: 401, challenge: `Bearer realm="notes"${METADATA}` })
  })
  it('reads the query from `href` as the URL parser would (encoded name, fragment, tab)', async () => {
    const token = accessToken(es256, as.url)
    const withHref = (path: string): OAuthRequest => {
      const base = request({ url: path, headers: { authorization: `Bearer ${token}` } })
      return { ...base, href: `${AUDIENCE}${path}` }
    }
    expect(outcome(await resourceServer().verify(withHref(`/api/notes?x=1&access%5Ftoken=${token}`)))).toEqual(INVALID_REQUEST)
    expect(outcome(await resourceServer().verify(withHref('/api/notes?access_to\tken=1')))).toEqual(INVALID_REQUEST)
    expect((await resourceServer().verify(withHref('/api/notes?access_to%09ken=1'))).ok).toBe(true)
    expect((await resourceServer().verify(withHref('/api/notes#access_token=x'))).ok).toBe(true)
    expect((await resourceServer().verify(withHref('/api/notes?#access_token=x'))).ok).toBe(true)
  })
  it('ignores a form body on GET (RFC 6750 §2.2)', async () => {
    const token = accessToken(es256, as.url)
    expect(outcome(await resourceServer().verify(request({ method: 'GET', headers: form, body: `access_token=${token}` })))).toEqual({ status: 401, challenge: `Bearer realm="notes"${METADATA}` })
  })
})

describe('RS-05 time validity', () => {
  const now = nowSeconds()
  it.each([
    ['exp beyond the leeway', { exp: now - 31 }],
    ['nbf in the future', { nbf: now + 60 }],
    ['no exp', { exp: undefined }],
    ['iat in the future', { iat: now + 60 }],
    ['no iat', { iat: undefined }],
    ['exp that is not a number', { exp: String(now + 300) }],
  ])('refuses a token with %s', async (_name, overrides) => {
    expect(outcome(await resourceServer().verify(bearer(accessToken(es256, as.url, overrides))))).toEqual(INVALID_TOKEN)
  })
  it('allows exp within the clock tolerance, and no more', async () => {
    const token = accessToken(es256, as.url, { exp: now - 20 })
    expect((await resourceServer({ clockTolerance: 30 }).verify(bearer(token))).ok).toBe(true)
    expect(outcome(await resourceServer({ clockTolerance: 10 }).verify(bearer(token)))).toEqual(INVALID_TOKEN)
  })
})

describe('RS-06 audience and issuer', () => {
  it.each([
    ['aud of another resource server', () => ({ aud: 'http://127.0.0.1:7000/api' })],
    ['no aud', () => ({ aud: undefined })],
    ['iss that is not the issuer', () => ({ iss: 'http://127.0.0.1:9/' })],
    ['iss with a trailing slash', () => ({ iss: `${as.url}/` })],
    ['no iss', () => ({ iss: undefined })],
  ])('refuses a correctly signed token with %s', async (_name, overrides) => {
    expect(outcome(await resourceServer().verify(bearer(accessToken(es256, as.url, overrides()))))).toEqual(INVALID_TOKEN)
  })
  it('refuses a token of another issuer signed by that issuer\'s key', async () => {
    const token = accessToken(foreign, 'http://127.0.0.1:9999')
    expect(outcome(await resourceServer().verify(bearer(token)))).toEqual(INVALID_TOKEN)
  })
})

describe('RS-07 scope enforcement', () => {
  it('answers 403 insufficient_scope naming the needed scopes', async () => {
    const result = await resourceServer().requireScopes('notes:read', 'notes:write')(bearer(accessToken(es256, as.url)))
    expect(outcome(result)).toEqual({ status: 403, challenge: `Bearer realm="notes", error="insufficient_scope", error_description="The access token does not grant the scope this request needs", scope="notes:read notes:write"${METADATA}` })
  })
  it('announces the route\'s scopes on 401 (RFC 6750 §3), not on 400', async () => {
    const check = resourceServer().requireScopes('notes:read', 'notes:write')
    expect(outcome(await check(request()))).toEqual({ status: 401, challenge: `Bearer realm="notes", scope="notes:read notes:write"${METADATA}` })
    expect(outcome(await check(bearer('abc'))).challenge).toMatch(/error="invalid_token".*, scope="notes:read notes:write", resource_metadata=/)
    expect(outcome(await check(request({ headers: { authorization: 'Bearer' } }))).challenge).not.toMatch(/scope=/)
    expect(outcome(await resourceServer().verify(request())).challenge).not.toMatch(/scope=/)
  })
  it('passes when every scope was granted', async () => {
    const result = await resourceServer().requireScopes('notes:read')(bearer(accessToken(es256, as.url, { scope: 'openid notes:read' })))
    expect(result).toMatchObject({ ok: true, principal: { scopes: ['openid', 'notes:read'] } })
  })
  it('treats a token without scope as granting none', async () => {
    expect(outcome(await resourceServer().requireScopes('notes:read')(bearer(accessToken(es256, as.url, { scope: undefined }))))).toMatchObject({ status: 403 })
  })
})

describe('RS-08 alg none and case variants', () => {
  const variants = ['none', 'None', 'NONE', 'nOnE']
  it.each(variants)('refuses alg %s with an empty signature', async (alg) => {
    const token = `${segment({ alg, typ: 'at+jwt' })}.${segment(claims(as.url))}.`
    expect(outcome(await resourceServer().verify(bearer(token)))).toEqual(INVALID_TOKEN)
  })
  it.each(variants)('refuses alg %s with the original signature left attached', async (alg) => {
    const original = accessToken(es256, as.url)
    const [, payload, signature] = original.split('.')
    const token = `${segment({ alg, typ: 'at+jwt', kid: es256.kid })}.${payload ?? ''}.${signature ?? ''}`
    expect(outcome(await resourceServer().verify(bearer(token)))).toEqual(INVALID_TOKEN)
  })
  it('refuses alg none even when the configuration tries to allow it', () => {
    expect(() => resourceServer({ algorithms: ['none'] })).toThrow(/algorithms/)
    expect(() => resourceServer({ algorithms: ['ES256', 'HS256'] })).toThrow(/asymmetric/)
  })
})

describe('RS-09 HMAC signed with the public key (algorithm confusion)', () => {
  it.each([
    ['PEM', () => es256.publicKey.export({ format: 'pem', type: 'spki' })],
    ['DER', () => es256.publicKey.export({ format: 'der', type: 'spki' })],
    ['JWK JSON', () => JSON.stringify(es256.publicJwk)],
    ['RSA PEM', () => rs256.publicKey.export({ format: 'pem', type: 'spki' })],
  ])('refuses HS256 keyed with the %s public key', async (_name, secret) => {
    const token = hs256(secret(), { alg: 'HS256', typ: 'at+jwt', kid: es256.kid }, claims(as.url))
    expect(outcome(await resourceServer().verify(bearer(token)))).toEqual(INVALID_TOKEN)
  })
})

describe('RS-10 keys only from jwks_uri, never from the token', () => {
  let capture: Listening & { hits: string[] }
  beforeAll(async () => {
    capture = await captureServer()
  })
  afterAll(async () => {
    await capture.close()
  })
  it.each([
    ['jku', () => ({ jku: `${capture.url}/jwks` })],
    ['x5u', () => ({ x5u: `${capture.url}/cert.pem` })],
    ['jwk', () => ({ jwk: foreign.publicJwk })],
    ['jwk and jku with the known kid', () => ({ kid: es256.kid, jwk: foreign.publicJwk, jku: `${capture.url}/jwks` })],
  ])('refuses a token signed by an attacker key named in %s, with no fetch', async (_name, extra) => {
    const token = signWith(foreign, { ...atHeader(foreign), ...extra() }, claims(as.url))
    expect(outcome(await resourceServer().verify(bearer(token)))).toEqual(INVALID_TOKEN)
    expect(capture.hits).toEqual([])
  })
  it('refuses a token signed by a key not in the JWKS (foreign key, known kid)', async () => {
    const token = signWith(foreign, atHeader(es256), claims(as.url))
    expect(outcome(await resourceServer().verify(bearer(token)))).toEqual(INVALID_TOKEN)
  })
})

describe('RS-11 crit header', () => {
  it('refuses an unknown critical header parameter (RFC 7515 §4.1.11)', async () => {
    const token = signWith(es256, atHeader(es256, { crit: ['urn:example:must-understand'], 'urn:example:must-understand': true }), claims(as.url))
    expect(outcome(await resourceServer().verify(bearer(token)))).toEqual(INVALID_TOKEN)
  })
  it('refuses a malformed crit', async () => {
    const token = signWith(es256, atHeader(es256, { crit: [] }), claims(as.url))
    expect(outcome(await resourceServer().verify(bearer(token)))).toEqual(INVALID_TOKEN)
  })
})

describe('other token kinds presented as access tokens', () => {
  it('refuses an ID token (typ JWT) signed by the issuer (RFC 9068 §4, RFC 8725 §3.11)', async () => {
    const token = signWith(es256, { alg: 'ES256', typ: 'JWT', kid: es256.kid }, claims(as.url, { nonce: 'n', auth_time: nowSeconds() }))
    expect(outcome(await resourceServer().verify(bearer(token)))).toEqual(INVALID_TOKEN)
  })
  it('refuses a token without typ', async () => {
    const token = signWith(es256, { alg: 'ES256', kid: es256.kid }, claims(as.url))
    expect(outcome(await resourceServer().verify(bearer(token)))).toEqual(INVALID_TOKEN)
  })
  it('refuses an opaque refresh token when introspection is not configured', async () => {
    expect(outcome(await resourceServer().verify(bearer('q1w2e3r4t5y6u7i8o9p0-_AbCdEfGhIjKlMnOpQrStU')))).toEqual(INVALID_TOKEN)
  })
  it.each([
    ['client_id', { client_id: undefined }],
    ['sub', { sub: undefined }],
    ['jti', { jti: undefined }],
  ])('refuses a JWT without %s (RFC 9068 §2.2)', async (_name, overrides) => {
    expect(outcome(await resourceServer().verify(bearer(accessToken(es256, as.url, overrides))))).toEqual(INVALID_TOKEN)
  })
})

describe('RS-13 signature tampering and parser edge cases', () => {
  it('refuses a payload modified without re-signing', async () => {
    const [header, , signature] = accessToken(es256, as.url).split('.')
    const token = `${header ?? ''}.${segment(claims(as.url, { sub: 'mallory', scope: 'notes:read notes:write' }))}.${signature ?? ''}`
    expect(outcome(await resourceServer().verify(bearer(token)))).toEqual(INVALID_TOKEN)
  })
  it('refuses an RS256 token with an empty signature', async () => {
    const [header, payload] = accessToken(rs256, as.url).split('.')
    expect(outcome(await resourceServer().verify(bearer(`${header ?? ''}.${payload ?? ''}.`)))).toEqual(INVALID_TOKEN)
  })
  it('refuses an ES256 token with r = s = 0 ("psychic signature")', async () => {
    const [header, payload] = accessToken(es256, as.url).split('.')
    expect(outcome(await resourceServer().verify(bearer(`${header ?? ''}.${payload ?? ''}.${b64url(new Uint8Array(64))}`)))).toEqual(INVALID_TOKEN)
  })
  it('refuses a signed payload that is not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from(JSON.stringify(claims(as.url)).slice(0, -1)), Buffer.from(',"x":"\xff\xfe"}', 'latin1')])
    expect(outcome(await resourceServer().verify(bearer(signWith(es256, atHeader(es256), bytes))))).toEqual(INVALID_TOKEN)
  })
  it('refuses segments in padded or standard base64', async () => {
    const token = accessToken(es256, as.url)
    const [header = '', payload = '', signature = ''] = token.split('.')
    const standard = (value: string): string => Buffer.from(value, 'base64url').toString('base64')
    expect(outcome(await resourceServer().verify(bearer(`${standard(header)}.${standard(payload)}.${standard(signature)}`)))).toEqual(INVALID_TOKEN)
    expect(outcome(await resourceServer().verify(bearer(`${header}.${payload}.${signature}==`)))).toEqual(INVALID_TOKEN)
  })
  it('refuses a scope claim that is not an RFC 6749 §3.3 string', async () => {
    expect(outcome(await resourceServer().verify(bearer(accessToken(es256, as.url, { scope: ['notes:read'] }))))).toEqual(INVALID_TOKEN)
  })
})

describe('discovery and the key set', () => {
  it('finds jwks_uri in the issuer metadata once, and the JWKS once, for many tokens', async () => {
    const server = await new FakeAuthorizationServer().start()
    server.jwks = { keys: [es256.publicJwk] }
    try {
      const rs = createResourceServer({ issuer: server.url, audience: AUDIENCE })
      const results = await Promise.all(Array.from({ length: 5 }, () => rs.verify(bearer(accessToken(es256, server.url)))))
      expect(results.every((result) => result.ok)).toBe(true)
      expect(server.calls).toMatchObject({ metadata: 1, jwks: 1 })
    } finally {
      await server.close()
    }
  })
  it('narrows the algorithms to id_token_signing_alg_values_supported', async () => {
    const server = await new FakeAuthorizationServer().start()
    server.jwks = { keys: [es256.publicJwk, rs256.publicJwk] }
    server.extraMetadata = { id_token_signing_alg_values_supported: ['RS256', 'HS256', 'none'] }
    try {
      const rs = createResourceServer({ issuer: server.url, audience: AUDIENCE })
      expect((await rs.verify(bearer(accessToken(rs256, server.url)))).ok).toBe(true)
      expect(refused(await rs.verify(bearer(accessToken(es256, server.url)))).status).toBe(401)
      const token = hs256(JSON.stringify(rs256.publicJwk), { alg: 'HS256', typ: 'at+jwt' }, claims(server.url))
      expect(refused(await rs.verify(bearer(token))).status).toBe(401)
    } finally {
      await server.close()
    }
  })
  it('uses an explicit jwksUri without asking for metadata', async () => {
    const server = await new FakeAuthorizationServer().start()
    server.jwks = { keys: [es256.publicJwk] }
    try {
      const rs = createResourceServer({ issuer: server.url, audience: AUDIENCE, jwksUri: `${server.url}/jwks` })
      expect((await rs.verify(bearer(accessToken(es256, server.url)))).ok).toBe(true)
      expect(server.calls).toMatchObject({ metadata: 0, jwks: 1 })
    } finally {
      await server.close()
    }
  })
  it('answers 503 without a challenge when metadata names another issuer (RFC 8414 §3.3)', async () => {
    const server = await new FakeAuthorizationServer().start()
    server.metadataIssuer = 'http://127.0.0.1:1'
    const errors: OAuthError[] = []
    try {
      const rs = createResourceServer({ issuer: server.url, audience: AUDIENCE, onError: (error) => errors.push(error) })
      const response = refused(await rs.verify(bearer(accessToken(es256, server.url))))
      expect(response.status).toBe(503)
      expect(response.headers.get('www-authenticate')).toBeNull()
      expect(JSON.parse(String(response.body))).toEqual({ error: 'temporarily_unavailable', error_description: 'The authorization server could not be reached' })
      expect(errors[0]).toMatchObject({ detail: expect.stringContaining('metadata issuer') as unknown })
    } finally {
      await server.close()
    }
  })
  it('answers 503 without a challenge when the JWKS cannot be fetched', async () => {
    const server = await new FakeAuthorizationServer().start()
    const url = server.url
    await server.close()
    const rs = createResourceServer({ issuer: url, audience: AUDIENCE, jwksUri: `${url}/jwks` })
    const response = refused(await rs.verify(bearer(accessToken(es256, url))))
    expect(response.status).toBe(503)
    expect(response.headers.get('www-authenticate')).toBeNull()
  })
  it('refetches the JWKS for an unknown kid at most once per cooldown', async () => {
    const server = await new FakeAuthorizationServer().start()
    server.jwks = { keys: [es256.publicJwk] }
    try {
      const rs = createResourceServer({ issuer: server.url, audience: AUDIENCE, jwksCooldown: 1 })
      expect((await rs.verify(bearer(accessToken(es256, server.url)))).ok).toBe(true)
      expect(server.calls.jwks).toBe(1)
      // Within the cooldown: unknown kids are refused without touching the jwks_uri.
      for (let i = 0; i < 5; i++) expect(refused(await rs.verify(bearer(accessToken(foreign, server.url)))).status).toBe(401)
      expect(server.calls.jwks).toBe(1)
      // The authorization server rotates in a new key; after the cooldown one refetch finds it.
      const rotated = generateKey('ES256')
      server.jwks = { keys: [es256.publicJwk, rotated.publicJwk] }
      await new Promise((resolve) => setTimeout(resolve, 1100))
      const burst = await Promise.all(Array.from({ length: 5 }, () => rs.verify(bearer(accessToken(rotated, server.url)))))
      expect(burst.every((result) => result.ok)).toBe(true)
      expect(server.calls.jwks).toBe(2)
      for (let i = 0; i < 5; i++) expect(refused(await rs.verify(bearer(accessToken(foreign, server.url)))).status).toBe(401)
      expect(server.calls.jwks).toBe(2)
    } finally {
      await server.close()
    }
  })
})

describe('introspection of tokens that are not JWTs (RFC 7662)', () => {
  const OPAQUE = 'opaque-access-token-0123456789abcdefghij'
  const introspected = (overrides: Record<string, unknown> = {}): Record<string, unknown> => {
    const base: Record<string, unknown> = { active: true, token_type: 'Bearer', iss: as.url, aud: AUDIENCE, sub: 'bob', client_id: 'app', scope: 'notes:read', exp: nowSeconds() + 300 }
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete base[name]
      else base[name] = value
    }
    return base
  }
  const rsWithIntrospection = (options: Partial<ResourceServerOptions> = {}): ResourceServer =>
    resourceServer({ introspection: { clientId: 'rs client', clientSecret: 's3cr:et', cacheTtl: 60 }, ...options })

  beforeEach(() => {
    as.introspection.clear()
    as.calls.introspection.length = 0
    as.introspectionStatus = 200
  })

  it('accepts an active token with a client-authenticated POST', async () => {
    as.introspection.set(OPAQUE, introspected())
    const result = await rsWithIntrospection().verify(bearer(OPAQUE))
    expect(result).toMatchObject({ ok: true, principal: { subject: 'bob', clientId: 'app', scopes: ['notes:read'] } })
    const [call] = as.calls.introspection
    expect(call?.authorization).toBe(`Basic ${Buffer.from('rs+client:s3cr%3Aet').toString('base64')}`)
    expect(call?.params.get('token')).toBe(OPAQUE)
    expect(call?.params.get('token_type_hint')).toBe('access_token')
  })
  it.each([
    ['inactive', { active: false }],
    ['active as a string', { active: 'true' }],
    ['a refresh token', { token_type: 'refresh_token' }],
    ['another audience', { aud: 'http://127.0.0.1:7000/api' }],
    ['no audience', { aud: undefined }],
    ['another issuer', { iss: 'http://127.0.0.1:9' }],
    ['an exp in the past', { exp: nowSeconds() - 120 }],
    ['an nbf in the future', { nbf: nowSeconds() + 120 }],
  ])('refuses %s', async (_name, overrides) => {
    as.introspection.set(OPAQUE, introspected(overrides))
    expect(outcome(await rsWithIntrospection().verify(bearer(OPAQUE)))).toEqual(INVALID_TOKEN)
  })
  it('never sends a JWT-shaped token to introspection', async () => {
    const token = signWith(foreign, atHeader(foreign), claims(as.url))
    as.introspection.set(token, introspected())
    expect(outcome(await rsWithIntrospection().verify(bearer(token)))).toEqual(INVALID_TOKEN)
    expect(as.calls.introspection).toHaveLength(0)
  })
  it('answers 503 when the server refuses the resource server\'s credentials', async () => {
    as.introspectionStatus = 401
    const response = refused(await rsWithIntrospection().verify(bearer(OPAQUE)))
    expect(response.status).toBe(503)
    expect(response.headers.get('www-authenticate')).toBeNull()
  })
  it('caches an answer no longer than cacheTtl', async () => {
    let clock = nowSeconds()
    as.introspection.set(OPAQUE, introspected({ exp: clock + 3600 }))
    const rs = rsWithIntrospection({ now: () => clock })
    expect((await rs.verify(bearer(OPAQUE))).ok).toBe(true)
    clock += 59
    expect((await rs.verify(bearer(OPAQUE))).ok).toBe(true)
    expect(as.calls.introspection).toHaveLength(1)
    clock += 1
    as.introspection.set(OPAQUE, { active: false })
    expect(refused(await rs.verify(bearer(OPAQUE))).status).toBe(401)
    expect(as.calls.introspection).toHaveLength(2)
  })
  it('caches an answer no longer than its exp', async () => {
    let clock = nowSeconds()
    as.introspection.set(OPAQUE, introspected({ exp: clock + 10 }))
    const rs = rsWithIntrospection({ now: () => clock, clockTolerance: 0 })
    expect((await rs.verify(bearer(OPAQUE))).ok).toBe(true)
    clock += 10
    expect(refused(await rs.verify(bearer(OPAQUE))).status).toBe(401)
    expect(as.calls.introspection).toHaveLength(2)
  })
  it('caches only tokens of bearer syntax, so a cached token needs no syntax check and any other is checked every time', async () => {
    const odd = 'opaque token with spaces'
    as.introspection.set(odd, introspected())
    const rs = rsWithIntrospection()
    // verifyToken takes a token obtained some other way: verified, but not kept.
    expect((await rs.verifyToken(odd)).subject).toBe('bob')
    expect((await rs.verifyToken(odd)).subject).toBe('bob')
    expect(as.calls.introspection).toHaveLength(2)
    expect(outcome(await rs.verify(bearer(odd)))).toEqual(INVALID_TOKEN)
    as.introspection.set(OPAQUE, introspected())
    expect((await rs.verifyToken(OPAQUE)).subject).toBe('bob')
    expect((await rs.verify(bearer(OPAQUE))).ok).toBe(true)
    expect(as.calls.introspection).toHaveLength(3)
  })
  it('revoke(token) drops the cached answer', async () => {
    as.introspection.set(OPAQUE, introspected())
    const rs = rsWithIntrospection()
    expect((await rs.verify(bearer(OPAQUE))).ok).toBe(true)
    as.introspection.set(OPAQUE, { active: false })
    expect((await rs.verify(bearer(OPAQUE))).ok).toBe(true)
    rs.revoke(OPAQUE)
    expect(refused(await rs.verify(bearer(OPAQUE))).status).toBe(401)
  })
})

describe('configuration is validated once', () => {
  it.each([
    [{ issuer: 'http://as.example.com' }, /issuer must use https/],
    [{ issuer: 'https://as.example.com?x=1' }, /issuer must not have a query/],
    [{ audience: '' }, /audience/],
    [{ clockTolerance: 301 }, /clockTolerance must be a number from 0 to 300/],
    [{ clockTolerance: -1 }, /clockTolerance/],
    [{ algorithms: [] }, /algorithms/],
    [{ algorithms: ['HS512'] }, /algorithms/],
    [{ jwksUri: 'http://keys.example.com/jwks' }, /jwksUri must use https/],
    [{ introspection: { clientId: '', clientSecret: 'x' } }, /introspection.clientId/],
    [{ maxCacheEntries: 1.5 }, /maxCacheEntries/],
    [{ scopesSupported: ['a b'] }, /scopesSupported/],
  ])('refuses %j', (override, message) => {
    expect(() => createResourceServer({ issuer: 'https://as.example.com', audience: AUDIENCE, ...override } as ResourceServerOptions)).toThrow(message)
  })
  it('refuses scope names that are not scope tokens in requireScopes', () => {
    expect(() => resourceServer().requireScopes('notes read')).toThrow(/requireScopes/)
  })
})

describe('RFC 9728 protected resource metadata', () => {
  it('describes the resource, its issuer and the bearer methods', () => {
    const rs = resourceServer({ scopesSupported: ['notes:read', 'notes:write'] })
    expect(rs.protectedResourceMetadata()).toEqual({ resource: AUDIENCE, authorization_servers: [as.url], bearer_methods_supported: ['header', 'body'], scopes_supported: ['notes:read', 'notes:write'] })
    expect(resourceServer().protectedResourceMetadata()).not.toHaveProperty('scopes_supported')
  })
  it('lives at the well-known path with the resource path appended (§3.1)', () => {
    expect(resourceServer().metadataPath).toBe('/.well-known/oauth-protected-resource/api')
    expect(createResourceServer({ issuer: as.url, audience: 'https://api.example.com' }).metadataPath).toBe('/.well-known/oauth-protected-resource')
    expect(createResourceServer({ issuer: as.url, audience: 'urn:example:api' }).metadataPath).toBe('/.well-known/oauth-protected-resource')
  })
  it('answers GET with JSON and other methods with 405', () => {
    const rs = resourceServer()
    const response = rs.metadataResponse(request({ url: rs.metadataPath }))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(JSON.parse(String(response.body))).toMatchObject({ resource: AUDIENCE })
    expect(rs.metadataResponse(request({ method: 'POST', url: rs.metadataPath })).status).toBe(405)
  })
})

describe('local introspection (`introspect`, an API in the authorization server\'s process)', () => {
  const OPAQUE = 'opaque-access-token-local-0123456789abcdef'
  const active = (): Record<string, unknown> => ({ active: true, token_type: 'Bearer', iss: as.url, aud: AUDIENCE, sub: 'bob', client_id: 'app', scope: 'notes:read', exp: nowSeconds() + 300 })

  it('validates the answer like an RFC 7662 response and asks again on every request', async () => {
    as.calls.introspection.length = 0
    const answers = new Map<string, Record<string, unknown>>([[OPAQUE, active()]])
    const asked: string[] = []
    const rs = resourceServer({ introspect: async (token) => (asked.push(token), answers.get(token) ?? { active: false }) })
    expect(await rs.verify(bearer(OPAQUE))).toMatchObject({ ok: true, principal: { subject: 'bob', clientId: 'app', scopes: ['notes:read'] } })
    answers.set(OPAQUE, { active: false })
    expect(outcome(await rs.verify(bearer(OPAQUE)))).toEqual(INVALID_TOKEN)
    answers.set(OPAQUE, { ...active(), token_type: 'refresh_token' })
    expect(outcome(await rs.verify(bearer(OPAQUE)))).toEqual(INVALID_TOKEN)
    answers.set(OPAQUE, { ...active(), aud: 'http://127.0.0.1:7000/api' })
    expect(outcome(await rs.verify(bearer(OPAQUE)))).toEqual(INVALID_TOKEN)
    expect(asked).toEqual([OPAQUE, OPAQUE, OPAQUE, OPAQUE])
    expect(as.calls.introspection).toHaveLength(0)
  })
  it('answers 503 when the function fails, and JWTs never reach it', async () => {
    const asked: string[] = []
    const rs = resourceServer({ introspect: async (token) => {
      asked.push(token)
      throw new Error('store down')
    } })
    const response = refused(await rs.verify(bearer(OPAQUE)))
    expect(response.status).toBe(503)
    const jwt = signWith(foreign, atHeader(foreign), claims(as.url))
    expect(outcome(await rs.verify(bearer(jwt)))).toEqual(INVALID_TOKEN)
    expect(asked).toEqual([OPAQUE])
  })
  it('cannot be combined with HTTP introspection', () => {
    expect(() => resourceServer({ introspect: async () => ({ active: false }), introspection: { clientId: 'a', clientSecret: 'b' } })).toThrow(/introspect/)
  })
})

describe('RFC 8693 §4.1 actor chain on the principal', () => {
  it('exposes act, nested, as principal.actor; a token without act has none', async () => {
    const delegated = accessToken(es256, as.url, { act: { sub: 'svc-b', client_id: 'svc-b', act: { sub: 'svc-a', iss: 'https://idp.example' } } })
    expect(await resourceServer().verify(bearer(delegated))).toMatchObject({
      ok: true, principal: { subject: 'alice', actor: { subject: 'svc-b', clientId: 'svc-b', actor: { subject: 'svc-a' } } },
    })
    const plain = await resourceServer().verify(bearer(accessToken(es256, as.url)))
    expect(plain.ok && plain.principal.actor).toBeUndefined()
  })

  it.each([
    ['act that is not an object', 'svc-b'],
    ['act without sub', { client_id: 'svc-b' }],
    ['a nested act without sub', { sub: 'svc-b', act: { client_id: 'svc-a' } }],
  ])('refuses %s with invalid_token: a delegated token never passes for the subject\'s own', async (_name, act) => {
    expect(outcome(await resourceServer().verify(bearer(accessToken(es256, as.url, { act }))))).toMatchObject(INVALID_TOKEN)
  })
})
