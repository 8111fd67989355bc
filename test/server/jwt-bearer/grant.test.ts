/**
 * The JWT-bearer authorization grant (RFC 7523 §2.1, §3) and ID-JAGs over real HTTP against the standalone
 * server: two trusted issuers (inline keys and a `jwks_uri` served on loopback), keys generated here, and
 * every check failing with its RFC error.
 */
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { createClient, ValidationError } from '../../../src/server/admin.js'
import { jwtBearerGrant, JWT_BEARER_GRANT_TYPE } from '../../../src/server/jwt-bearer/index.js'
import { dynamicRegistration } from '../../../src/server/rfc7591/index.js'
import type { ClientAuthMethod } from '../../../src/storage/types.js'
import { dpopKey, dpopProof } from '../../helpers/dpop.js'
import { startTestServer } from '../../helpers/tessera.js'
import { expectTokenError } from '../../security/helpers.js'

interface Key { kid: string; alg: string; privateKey: CryptoKey; publicJwk: JWK }

async function newKey(alg: 'ES256' | 'RS256' | 'PS256' = 'ES256'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const kid = randomUUID()
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } }
}

const IDP = 'https://idp.test'
const FETCHED_IDP = 'https://fetched-idp.test'
const ID_JAG_IDP = 'https://enterprise-idp.test'
const idpKey = await newKey('ES256')
const rsaKey = await newKey('RS256')
const fetchedKey = await newKey('PS256')
const strangerKey = await newKey('ES256')

// The fetched issuer's keys, on a loopback listener (`development.allowLoopbackFetch`).
const jwksServer = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [fetchedKey.publicJwk] }))
})
await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`

const server = await startTestServer({
  development: { allowLoopbackFetch: true },
  capabilities: [dynamicRegistration({ policy: 'open' }), jwtBearerGrant({
    issuers: [
      { issuer: IDP, jwks: { keys: [idpKey.publicJwk, rsaKey.publicJwk] }, algorithms: ['ES256'], clients: ['wiki', 'pkjwt', 'public-wiki', 'no-grant'] },
      { issuer: FETCHED_IDP, jwksUri, clients: 'any', subject: { claim: 'email', match: 'username' } },
      { issuer: ID_JAG_IDP, jwks: { keys: [idpKey.publicJwk] }, clients: ['wiki', 'chat'], idJagOnly: true },
    ],
  })],
})
afterAll(async () => {
  await server.close()
  await new Promise((resolve) => jwksServer.close(resolve))
})
const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
const ISS = String(discovery.issuer)
const API = `${server.url}/api`
const registry = server.standalone.server.registry
const now = (): number => Math.floor(Date.now() / 1000)

async function addClient(id: string, options: { grants?: string[]; method?: ClientAuthMethod; scopes?: string[] } = {}): Promise<{ id: string; secret: string }> {
  const { clientSecret } = await createClient(server.store, {
    name: id, clientId: id, authMethod: options.method ?? 'client_secret_basic', redirectUris: [],
    grantTypes: options.grants ?? [JWT_BEARER_GRANT_TYPE], scopes: options.scopes ?? ['openid', 'notes:read', 'notes:write'],
  }, now(), { registry })
  return { id, secret: clientSecret ?? '' }
}

const wiki = await addClient('wiki')
const chat = await addClient('chat')
const outsider = await addClient('outsider')
const noGrant = await addClient('no-grant', { grants: ['client_credentials'] })
const alice = server.users.alice

function claims(overrides: Record<string, unknown> = {}, issuer = IDP): JWTPayload {
  const t = now()
  const payload: Record<string, unknown> = { iss: issuer, sub: alice.id, aud: ISS, jti: randomUUID(), iat: t, exp: t + 60, ...overrides }
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
  return payload as JWTPayload
}

function sign(payload: JWTPayload, key: Key = idpKey, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey)
}

function idJag(overrides: Record<string, unknown> = {}, clientId = wiki.id): Promise<string> {
  return sign(claims({ client_id: clientId, ...overrides }, ID_JAG_IDP), idpKey, { typ: 'oauth-id-jag+jwt' })
}

function exchange(client: { id: string; secret: string }, form: Record<string, string> | [string, string][], headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams([['grant_type', JWT_BEARER_GRANT_TYPE], ...(Array.isArray(form) ? form : Object.entries(form))])
  return fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`, ...headers },
    body,
  })
}

async function expectToken(response: Response): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>
  expect(response.status, JSON.stringify(body)).toBe(200)
  return body
}

describe('JWT-bearer grant (RFC 7523 §2.1)', () => {
  it('is listed in discovery', () => {
    expect(discovery.grant_types_supported).toContain(JWT_BEARER_GRANT_TYPE)
  })

  it('exchanges a trusted issuer\'s assertion for an access token for the user, without a refresh or ID token', async () => {
    const body = await expectToken(await exchange(wiki, { assertion: await sign(claims()) }))
    expect(body.token_type).toBe('Bearer')
    expect(body).not.toHaveProperty('refresh_token')
    expect(body).not.toHaveProperty('id_token')
    // The client's API scopes only: this grant issues no ID token, so no OpenID Connect scope.
    expect(body.scope).toBe('notes:read notes:write')
    const token = decodeJwt(String(body.access_token))
    expect(token.sub).toBe(alice.id)
    expect(token.client_id).toBe(wiki.id)
    expect(token.aud).toBe(API)
    const notes = await fetch(`${API}/notes`, { headers: { authorization: `Bearer ${String(body.access_token)}` } })
    expect(notes.status).toBe(200)
  })

  it('narrows to the requested scope and refuses one the client may not have (invalid_scope)', async () => {
    const body = await expectToken(await exchange(wiki, { assertion: await sign(claims()), scope: 'notes:read' }))
    expect(body.scope).toBe('notes:read')
    await expectTokenError(await exchange(wiki, { assertion: await sign(claims()), scope: 'notes:read admin' }), 'invalid_scope')
  })

  it('uses an assertion once: the same jti again is invalid_grant', async () => {
    const assertion = await sign(claims())
    await expectToken(await exchange(wiki, { assertion }))
    await expectTokenError(await exchange(wiki, { assertion }), 'invalid_grant')
    // The jti is the issuer's: a fresh signature over the same jti is a replay too.
    const jti = randomUUID()
    await expectToken(await exchange(wiki, { assertion: await sign(claims({ jti })) }))
    await expectTokenError(await exchange(wiki, { assertion: await sign(claims({ jti, exp: now() + 90 })) }), 'invalid_grant')
  })

  it('binds the token to a DPoP key when the request carries a proof', async () => {
    const key = await dpopKey()
    const proof = await dpopProof(key, { htm: 'POST', htu: `${server.url}/token` })
    const body = await expectToken(await exchange(wiki, { assertion: await sign(claims()) }, { dpop: proof }))
    expect(body.token_type).toBe('DPoP')
    expect((decodeJwt(String(body.access_token)).cnf as { jkt?: string }).jkt).toBe(key.jkt)
  })

  it('refuses a request without assertion (invalid_request)', async () => {
    await expectTokenError(await exchange(wiki, {}), 'invalid_request')
    await expectTokenError(await exchange(wiki, { assertion: '' }), 'invalid_request')
  })

  it('refuses a repeated assertion parameter (invalid_request)', async () => {
    const assertion = await sign(claims())
    await expectTokenError(await exchange(wiki, [['assertion', assertion], ['assertion', assertion]]), 'invalid_request')
  })

  it('refuses what is not a JWS (invalid_grant)', async () => {
    await expectTokenError(await exchange(wiki, { assertion: 'not-a-jwt' }), 'invalid_grant')
  })

  it('refuses an untrusted issuer and a trusted issuer\'s iss signed by another key (invalid_grant)', async () => {
    await expectTokenError(await exchange(wiki, { assertion: await sign(claims({}, 'https://evil.test')) }), 'invalid_grant')
    await expectTokenError(await exchange(wiki, { assertion: await sign(claims(), strangerKey) }), 'invalid_grant')
  })

  it('refuses an algorithm the issuer is not allowed, and alg none (invalid_grant)', async () => {
    // The RS256 key is in the issuer's JWKS, but the issuer is configured for ES256 only.
    await expectTokenError(await exchange(wiki, { assertion: await sign(claims(), rsaKey) }), 'invalid_grant')
    const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
    await expectTokenError(await exchange(wiki, { assertion: `${b64({ alg: 'none' })}.${b64(claims())}.` }), 'invalid_grant')
  })

  it('refuses a token made for another purpose by its typ (invalid_grant)', async () => {
    for (const typ of ['client-authentication+jwt', 'at+jwt', 'dpop+jwt', 'oauth-authz-req+jwt']) {
      await expectTokenError(await exchange(wiki, { assertion: await sign(claims(), idpKey, { typ }) }), 'invalid_grant')
    }
    await expectToken(await exchange(wiki, { assertion: await sign(claims(), idpKey, { typ: 'JWT' }) }))
  })

  it('refuses an aud that is not this issuer alone: the token endpoint, an array, another server (invalid_grant)', async () => {
    for (const aud of [`${server.url}/token`, [ISS], [ISS, 'https://other.test'], 'https://other.test', undefined]) {
      await expectTokenError(await exchange(wiki, { assertion: await sign(claims({ aud })) }), 'invalid_grant')
    }
  })

  it('refuses a missing sub, a missing jti, a missing or past exp (invalid_grant)', async () => {
    for (const overrides of [{ sub: undefined }, { sub: '' }, { jti: undefined }, { exp: undefined }, { exp: now() - 120, iat: now() - 180 }]) {
      await expectTokenError(await exchange(wiki, { assertion: await sign(claims(overrides)) }), 'invalid_grant')
    }
  })

  it('refuses an assertion living longer than allowed, and an nbf or iat in the future (invalid_grant)', async () => {
    await expectTokenError(await exchange(wiki, { assertion: await sign(claims({ exp: now() + 3600 })) }), 'invalid_grant')
    await expectTokenError(await exchange(wiki, { assertion: await sign(claims({ nbf: now() + 300 })) }), 'invalid_grant')
    await expectTokenError(await exchange(wiki, { assertion: await sign(claims({ iat: now() + 300, exp: now() + 360 })) }), 'invalid_grant')
  })

  it('refuses a subject that is no local user (invalid_grant)', async () => {
    await expectTokenError(await exchange(wiki, { assertion: await sign(claims({ sub: 'nobody' })) }), 'invalid_grant')
  })

  it('refuses a client the issuer does not list, and a client not registered for the grant (unauthorized_client)', async () => {
    await expectTokenError(await exchange(outsider, { assertion: await sign(claims()) }), 'unauthorized_client')
    await expectTokenError(await exchange(noGrant, { assertion: await sign(claims()) }), 'unauthorized_client')
  })

  it('registers the grant for confidential clients only', async () => {
    await expect(addClient('public-wiki', { method: 'none' })).rejects.toBeInstanceOf(ValidationError)
  })

  it('is registrable by dynamic registration, for confidential clients only', async () => {
    const register = (metadata: Record<string, unknown>): Promise<Response> => fetch(`${server.url}/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'dyn', grant_types: [JWT_BEARER_GRANT_TYPE], scope: 'notes:read', ...metadata }),
    })
    const registered = await register({})
    expect(registered.status).toBe(201)
    const client = (await registered.json()) as { client_id: string; client_secret: string; grant_types: string[] }
    expect(client.grant_types).toEqual([JWT_BEARER_GRANT_TYPE])
    // The fetched issuer lets any client registered for the grant present its assertions.
    const body = await expectToken(await exchange({ id: client.client_id, secret: client.client_secret }, { assertion: await sign(claims({ email: alice.username }, FETCHED_IDP), fetchedKey) }))
    expect(body.scope).toBe('notes:read')
    const refused = await register({ token_endpoint_auth_method: 'none' })
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ error: 'invalid_client_metadata' })
  })

  it('fetches an issuer\'s keys from its jwks_uri and maps the subject by another claim', async () => {
    const payload = claims({ sub: 'opaque-upstream-id', email: alice.username }, FETCHED_IDP)
    const body = await expectToken(await exchange(outsider, { assertion: await sign(payload, fetchedKey) }))
    expect(decodeJwt(String(body.access_token)).sub).toBe(alice.id)
    await expectTokenError(await exchange(outsider, { assertion: await sign(claims({ email: 'mallory' }, FETCHED_IDP), fetchedKey) }), 'invalid_grant')
  })
})

describe('Identity Assertion JWT Authorization Grant (ID-JAG)', () => {
  it('exchanges an ID-JAG for a token bounded by its scope and resource claims', async () => {
    const body = await expectToken(await exchange(wiki, { assertion: await idJag({ scope: 'notes:read', resource: API }) }))
    expect(body.scope).toBe('notes:read')
    expect(body).not.toHaveProperty('refresh_token')
    const token = decodeJwt(String(body.access_token))
    expect(token.aud).toBe(API)
    expect(token.scope).toBe('notes:read')
  })

  it('refuses a scope beyond the ID-JAG\'s (invalid_scope) and a resource outside it (invalid_target)', async () => {
    await expectTokenError(await exchange(wiki, { assertion: await idJag({ scope: 'notes:read' }), scope: 'notes:write' }), 'invalid_scope')
    await expectTokenError(await exchange(wiki, { assertion: await idJag({ resource: API }), resource: 'http://127.0.0.1:9/other' }), 'invalid_target')
    await expectTokenError(await exchange(wiki, { assertion: await idJag({ resource: 'https://unknown-api.test' }) }), 'invalid_target')
  })

  it('refuses an ID-JAG whose client_id is another client or missing (invalid_grant)', async () => {
    await expectTokenError(await exchange(wiki, { assertion: await idJag({}, chat.id) }), 'invalid_grant')
    await expectTokenError(await exchange(wiki, { assertion: await idJag({ client_id: undefined }) }), 'invalid_grant')
  })

  it('refuses an ID-JAG without iat, addressed to another server, or with a malformed resource (invalid_grant)', async () => {
    for (const overrides of [{ iat: undefined }, { aud: 'https://chat.test' }, { resource: 'not a uri' }, { resource: [] }, { scope: 42 }]) {
      await expectTokenError(await exchange(wiki, { assertion: await idJag(overrides) }), 'invalid_grant')
    }
  })

  it('refuses a plain assertion from an issuer that sends only ID-JAGs (invalid_grant)', async () => {
    await expectTokenError(await exchange(wiki, { assertion: await sign(claims({ client_id: wiki.id }, ID_JAG_IDP)) }), 'invalid_grant')
  })
})
