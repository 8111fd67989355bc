/**
 * Catalogue §22, token exchange (RFC 8693, ID-JAG), over real HTTP against the standalone server with the
 * `tokenExchange` capability: the §0.4 fixtures `txc` (a middle-tier service whose own resource is
 * `TXC_AUD`, allowed to exchange for `API_AUD2`) and `txn` (no exchange permission), alice's tokens from a
 * real code flow, a trusted issuer for `jwt` subject tokens and a stranger key for forged ones.
 */
import { randomUUID } from 'node:crypto'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { requireScopes } from '../../src/adapters/hono-resource.js'
import { createResourceServer } from '../../src/resource/index.js'
import { createClient, ValidationError } from '../../src/server/admin.js'
import { setClientRequireMfa } from '../../src/server/mfa/policy.js'
import { createStoredResource } from '../../src/server/resources/resource-admin.js'
import { tokenExchange, TOKEN_EXCHANGE_GRANT_TYPE } from '../../src/server/token-exchange/index.js'
import type { ClientAuthMethod } from '../../src/storage/types.js'
import { clientPost, obtainTokens, RP1, startTestServer, type TestClient, type TokenSet } from '../helpers/tessera.js'
import { decodePayload, expectTokenError, introspect, revoke } from './helpers.js'

const API_AUD = 'http://127.0.0.1:6000/api'
const API_AUD2 = 'http://127.0.0.1:6001/api2'
const TXC_AUD = 'http://127.0.0.1:6002/svc'
const CHAT = 'https://chat.test'
const IDP = 'https://idp.test'
const TYPE = {
  access: 'urn:ietf:params:oauth:token-type:access_token',
  refresh: 'urn:ietf:params:oauth:token-type:refresh_token',
  id: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  idJag: 'urn:ietf:params:oauth:token-type:id-jag',
}

interface Key { kid: string; privateKey: CryptoKey; publicJwk: JWK }
async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const kid = randomUUID()
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } }
}
const idpKey = await newKey()
const strangerKey = await newKey()

const server = await startTestServer({
  capabilities: [tokenExchange({
    trustedIssuers: [{ issuer: IDP, jwks: { keys: [idpKey.publicJwk] }, clients: ['txc'] }],
    clients: {
      txc: {
        resources: [TXC_AUD], audiences: [API_AUD2], delegation: true, subject_token_types: ['access_token', 'id_token', 'jwt'],
        id_jag: [{ audience: CHAT, client_id: 'txc-at-chat', scopes: ['chat.read', 'chat.history'] }],
      },
      txb: { resources: [API_AUD2], delegation: true },
    },
  })],
})
afterAll(() => server.close())
const ISS = server.url
const now = (): number => Math.floor(Date.now() / 1000)

await createStoredResource(server.store, { identifier: API_AUD, scopes: { 'api.read': 'Read', 'api.write': 'Write' }, now: now() })
await createStoredResource(server.store, { identifier: API_AUD2, scopes: { 'api2.read': 'Read 2', 'api2.write': 'Write 2' }, now: now() })
await createStoredResource(server.store, { identifier: TXC_AUD, scopes: { 'svc.read': 'Use the service' }, now: now() })

const registry = server.standalone.server.registry
async function addClient(id: string, grants: string[], options: { method?: ClientAuthMethod; redirect?: boolean; scopes?: string[] } = {}): Promise<TestClient> {
  const method = options.method ?? 'client_secret_basic'
  const { clientSecret } = await createClient(server.store, {
    name: id, clientId: id, authMethod: method, redirectUris: options.redirect ? [RP1] : [], grantTypes: grants,
    scopes: options.scopes ?? ['openid', 'offline_access', 'svc.read', 'api.read', 'api2.read', 'api2.write'],
  }, now(), { registry })
  return { id, secret: clientSecret, method, redirectUri: options.redirect ? RP1 : '' }
}
const web = await addClient('web', ['authorization_code', 'refresh_token'], { redirect: true })
const txc = await addClient('txc', ['authorization_code', 'client_credentials', TOKEN_EXCHANGE_GRANT_TYPE], { redirect: true })
const txb = await addClient('txb', ['client_credentials', TOKEN_EXCHANGE_GRANT_TYPE])
const txn = await addClient('txn', ['client_credentials'])
const { m2m, pub } = server.clients

const exchange = (client: TestClient, form: Record<string, string>): Promise<Response> =>
  clientPost(server, '/token', client, { grant_type: TOKEN_EXCHANGE_GRANT_TYPE, subject_token_type: TYPE.access, ...form })

async function ok(response: Response): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>
  expect(response.status, JSON.stringify(body)).toBe(200)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(body).not.toHaveProperty('refresh_token')
  return body
}

/** Alice's token for `TXC_AUD` and `API_AUD2` from a code flow of `web` (scopes svc.read api2.read), with its refresh token. */
const aliceTxc = (): Promise<TokenSet> => obtainTokens(server, { client: web, scope: 'openid offline_access svc.read api2.read' })
/** Alice's token for `API_AUD` only: not addressed to txc. */
const aliceApi = (): Promise<TokenSet> => obtainTokens(server, { client: web, scope: 'openid api.read', extra: { resource: API_AUD } })
async function clientToken(client: TestClient, scope: string): Promise<string> {
  const response = await clientPost(server, '/token', client, { grant_type: 'client_credentials', scope })
  return String((await ok(response)).access_token)
}
async function harnessJwt(key: Key, claims: JWTPayload, typ = 'JWT'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ }).sign(key.privateKey)
}

describe('TX-01 · only authorised clients exchange, and only tokens meant for them', () => {
  it('TX-01 txn and pub are refused, a token for API_AUD is not txc\'s, the TXC_AUD token is exchanged for API_AUD2', async () => {
    const subject = (await aliceTxc()).access_token
    await expectTokenError(await exchange(txn, { subject_token: subject, resource: API_AUD2 }), 'unauthorized_client')
    await expectTokenError(await exchange(pub, { subject_token: subject, resource: API_AUD2 }), ['unauthorized_client', 'invalid_client'])
    // A public client cannot even be registered for the grant (RFC 8693 §5; keycloak#16294).
    await expect(addClient('pub-tx', [TOKEN_EXCHANGE_GRANT_TYPE], { method: 'none' })).rejects.toThrow(ValidationError)
    await expectTokenError(await exchange(txc, { subject_token: (await aliceApi()).access_token, resource: API_AUD2 }), ['invalid_grant', 'access_denied'])
    const body = await ok(await exchange(txc, { subject_token: subject, resource: API_AUD2, scope: 'api2.read' }))
    expect(body).toMatchObject({ issued_token_type: TYPE.access, token_type: 'Bearer', scope: 'api2.read' })
    const claims = decodePayload(String(body.access_token))
    expect(claims).toMatchObject({ aud: API_AUD2, sub: server.users.alice.id, client_id: 'txc', scope: 'api2.read' })
    expect(claims).not.toHaveProperty('act')
  })
})

describe('TX-02 · delegation chains cannot be forged', () => {
  it('TX-02 act.sub is the authenticated actor, and a second exchange nests the first actor unchanged', async () => {
    const actor = await clientToken(txc, 'api2.read')
    const first = await ok(await exchange(txc, { subject_token: (await aliceTxc()).access_token, actor_token: actor, actor_token_type: TYPE.access, resource: API_AUD2, scope: 'api2.read' }))
    const firstClaims = decodePayload(String(first.access_token))
    expect(firstClaims.act).toEqual({ sub: 'txc', client_id: 'txc' })
    // txb owns API_AUD2: the delegated token is addressed to it, and it acts next.
    const second = await ok(await exchange(txb, { subject_token: String(first.access_token), actor_token: await clientToken(txb, 'api2.read'), actor_token_type: TYPE.access }))
    const secondClaims = decodePayload(String(second.access_token))
    expect(secondClaims).toMatchObject({ sub: server.users.alice.id, client_id: 'txb', aud: API_AUD2 })
    expect(secondClaims.act).toEqual({ sub: 'txb', client_id: 'txb', act: { sub: 'txc', client_id: 'txc' } })
  })

  it('TX-02 an actor token issued to another client is refused', async () => {
    const response = await exchange(txc, { subject_token: (await aliceTxc()).access_token, actor_token: await clientToken(m2m, 'notes:read'), actor_token_type: TYPE.access, resource: API_AUD2 })
    await expectTokenError(response, ['invalid_request', 'invalid_grant'])
  })

  it('TX-02 a subject token whose may_act names another party is refused; naming txc it passes', async () => {
    const t = now()
    const base = { iss: IDP, sub: server.users.alice.id, aud: ISS, iat: t, exp: t + 120, jti: randomUUID(), scope: 'api2.read' }
    const other = await harnessJwt(idpKey, { ...base, may_act: { sub: 'other' } })
    await expectTokenError(await exchange(txc, { subject_token: other, subject_token_type: TYPE.jwt, resource: API_AUD2 }), ['access_denied', 'invalid_grant'])
    const named = await harnessJwt(idpKey, { ...base, may_act: { sub: 'txc' } })
    const body = await ok(await exchange(txc, { subject_token: named, subject_token_type: TYPE.jwt, resource: API_AUD2, actor_token: await clientToken(txc, 'api2.read'), actor_token_type: TYPE.access }))
    expect(decodePayload(String(body.access_token)).act).toEqual({ sub: 'txc', client_id: 'txc' })
  })

  it('TX-02 a subject token with a nested act chain signed by a harness key is refused, as an access token and as a jwt', async () => {
    const t = now()
    const forged = await harnessJwt(strangerKey, {
      iss: ISS, sub: server.users.alice.id, aud: TXC_AUD, client_id: 'txc', scope: 'api2.read', iat: t, exp: t + 120, jti: randomUUID(),
      act: { sub: 'admin-svc', act: { sub: 'txc' } },
    }, 'at+jwt')
    await expectTokenError(await exchange(txc, { subject_token: forged, resource: API_AUD2 }), 'invalid_grant')
    const foreign = await harnessJwt(strangerKey, { iss: IDP, sub: server.users.alice.id, aud: ISS, exp: t + 120, act: { sub: 'admin-svc' } })
    await expectTokenError(await exchange(txc, { subject_token: foreign, subject_token_type: TYPE.jwt, resource: API_AUD2 }), 'invalid_grant')
  })

  it('TX-02 a resource server decides on the outermost actor only: a nested admin actor grants nothing', async () => {
    // The API grants admin when the current actor is the admin service (here txc); a token where txc only
    // appears nested (txb acting for txc) must not pass.
    const rs = createResourceServer({ issuer: ISS, audience: API_AUD2 })
    const app = new Hono()
    app.get('/api2/admin', requireScopes(rs, 'api2.read'), (c) => {
      const principal = c.get('principal')
      return principal.actor?.subject === 'txc' ? c.json({ admin: true, chain: principal.actor }) : c.json({ admin: false }, 403)
    })
    const http = await new Promise<Server>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started as Server))
    })
    try {
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api2/admin`
      const direct = await ok(await exchange(txc, { subject_token: (await aliceTxc()).access_token, actor_token: await clientToken(txc, 'api2.read'), actor_token_type: TYPE.access, resource: API_AUD2, scope: 'api2.read' }))
      const viaTxb = await ok(await exchange(txb, { subject_token: String(direct.access_token), actor_token: await clientToken(txb, 'api2.read'), actor_token_type: TYPE.access }))
      const granted = await fetch(url, { headers: { authorization: `Bearer ${String(direct.access_token)}` } })
      expect(granted.status).toBe(200)
      expect(await granted.json()).toEqual({ admin: true, chain: { subject: 'txc', clientId: 'txc' } })
      const nested = await fetch(url, { headers: { authorization: `Bearer ${String(viaTxb.access_token)}` } })
      expect(nested.status).toBe(403)
    } finally {
      await new Promise<void>((resolve) => {
        http.close(() => resolve())
        http.closeAllConnections()
      })
    }
  })
})

describe('TX-03 · no audience or resource escalation', () => {
  it('TX-03 unknown, disallowed or conflicting targets are invalid_target; no target keeps the subject token\'s own audience', async () => {
    const { access_token: subject } = await aliceTxc()
    await expectTokenError(await exchange(txc, { subject_token: subject, audience: 'admin-api' }), 'invalid_target')
    await expectTokenError(await exchange(txc, { subject_token: subject, resource: 'http://127.0.0.1:6999/x' }), 'invalid_target')
    await expectTokenError(await exchange(txc, { subject_token: subject, resource: API_AUD }), 'invalid_target')
    await expectTokenError(await exchange(txc, { subject_token: subject, resource: API_AUD2, audience: TXC_AUD }), 'invalid_target')
    const body = await ok(await exchange(txc, { subject_token: subject }))
    const original = decodePayload(subject)
    const issued = decodePayload(String(body.access_token))
    // Documented default: the subject token's audience, never more, and never past its expiry.
    expect(issued.aud).toEqual(original.aud)
    expect(issued.aud).not.toContain(API_AUD)
    expect(Number(issued.exp)).toBeLessThanOrEqual(Number(original.exp))
  })
})

describe('TX-04 · no scope or lifetime escalation', () => {
  it('TX-04 a wider scope or offline_access is invalid_scope; no scope gets the subject token\'s, never the client\'s', async () => {
    const { access_token: subject } = await aliceTxc()
    await expectTokenError(await exchange(txc, { subject_token: subject, resource: API_AUD2, scope: 'api2.read api2.write' }), 'invalid_scope')
    await expectTokenError(await exchange(txc, { subject_token: subject, resource: API_AUD2, scope: 'offline_access' }), 'invalid_scope')
    const body = await ok(await exchange(txc, { subject_token: subject, resource: API_AUD2 }))
    expect(String(body.scope).split(' ').sort()).toEqual(['api2.read', 'svc.read'])
    expect(String(body.scope)).not.toContain('api2.write')
  })

  it('TX-04 the output never outlives a short-lived subject token', async () => {
    const t = now()
    const subject = await harnessJwt(idpKey, { iss: IDP, sub: server.users.alice.id, aud: ISS, iat: t, exp: t + 30, scope: 'api2.read' })
    const body = await ok(await exchange(txc, { subject_token: subject, subject_token_type: TYPE.jwt, resource: API_AUD2, actor_token: await clientToken(txc, 'api2.read'), actor_token_type: TYPE.access }))
    expect(Number(decodePayload(String(body.access_token)).exp)).toBeLessThanOrEqual(t + 30)
    expect(Number(body.expires_in)).toBeLessThanOrEqual(30)
  })

  it('TX-04 revoking the subject grant right after the exchange ends the exchanged token (documented: it joins the subject\'s grant)', async () => {
    const tokens = await aliceTxc()
    const body = await ok(await exchange(txc, { subject_token: tokens.access_token, resource: API_AUD2, scope: 'api2.read' }))
    expect(await (await introspect(server, txc, String(body.access_token))).json()).toMatchObject({ active: true })
    expect((await revoke(server, web, tokens.refresh_token ?? '')).status).toBe(200)
    expect(await (await introspect(server, txc, String(body.access_token))).json()).toEqual({ active: false })
  })
})

describe('TX-04 · exchange never gets round the second-factor policy (MF-08)', () => {
  it('TX-04 a password-only subject token is refused once the exchanging client requires a second factor', async () => {
    const { access_token: subject } = await aliceTxc()
    await setClientRequireMfa(server.store, 'txc', true)
    try {
      await expectTokenError(await exchange(txc, { subject_token: subject, resource: API_AUD2, scope: 'api2.read' }), 'invalid_grant')
    } finally {
      await setClientRequireMfa(server.store, 'txc', false)
    }
    await ok(await exchange(txc, { subject_token: subject, resource: API_AUD2, scope: 'api2.read' }))
  })
})

describe('TX-06 · refresh tokens as subject tokens', () => {
  it('TX-06 refresh-token exchange is unsupported (invalid_request, documented), for txc and for the token\'s own client, and rotation is untouched', async () => {
    const tokens = await obtainTokens(server, { client: web, scope: 'openid offline_access svc.read' })
    const refreshToken = tokens.refresh_token ?? ''
    await expectTokenError(await exchange(txc, { subject_token: refreshToken, subject_token_type: TYPE.refresh, resource: TXC_AUD }), 'invalid_request')
    // As an access token a refresh token is not one this server issued: refused as a grant.
    await expectTokenError(await exchange(txc, { subject_token: refreshToken, resource: TXC_AUD }), 'invalid_grant')
    const rotated = await clientPost(server, '/token', web, { grant_type: 'refresh_token', refresh_token: refreshToken })
    expect(rotated.status).toBe(200)
    // The old token after rotation is still refused the same way, and replaying it at the refresh grant revokes the family (RF-04).
    await expectTokenError(await exchange(txc, { subject_token: refreshToken, subject_token_type: TYPE.refresh }), 'invalid_request')
    await expectTokenError(await clientPost(server, '/token', web, { grant_type: 'refresh_token', refresh_token: refreshToken }), 'invalid_grant')
  })
})

describe('TX-07 · issuing ID-JAGs', () => {
  it('TX-07 txc gets an ID-JAG for chat.test from its own ID token; another client\'s ID token, an unknown audience and a public client are refused', async () => {
    const { id_token: idToken } = await obtainTokens(server, { client: txc, scope: 'openid' })
    const form = { subject_token: idToken ?? '', subject_token_type: TYPE.id, requested_token_type: TYPE.idJag, audience: CHAT, scope: 'chat.read' }
    const body = await ok(await exchange(txc, form))
    expect(body).toMatchObject({ issued_token_type: TYPE.idJag, token_type: 'N_A', scope: 'chat.read' })
    const jag = String(body.access_token)
    const header = JSON.parse(Buffer.from(jag.split('.')[0] ?? '', 'base64url').toString()) as Record<string, unknown>
    expect(header.typ).toBe('oauth-id-jag+jwt')
    const claims = decodePayload(jag)
    expect(claims).toMatchObject({ iss: ISS, aud: CHAT, client_id: 'txc-at-chat', sub: server.users.alice.id, scope: 'chat.read' })
    expect(typeof claims.jti).toBe('string')
    expect(Number(claims.exp) - Number(claims.iat)).toBeLessThanOrEqual(300)

    const webIdToken = (await obtainTokens(server, { client: web, scope: 'openid' })).id_token ?? ''
    await expectTokenError(await exchange(txc, { ...form, subject_token: webIdToken }), 'invalid_grant')
    await expectTokenError(await exchange(txc, { ...form, audience: 'https://unknown.test' }), 'invalid_target')
    await expectTokenError(await exchange(pub, form), 'unauthorized_client')
  })
})
