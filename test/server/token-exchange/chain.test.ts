/**
 * Issue 16 "Done when": a three-service chain over real HTTP. Alice signs in to service A (a real code
 * flow); A exchanges her token, acting with its own client-credentials token, for service B's audience; B
 * exchanges that for service C's audience, acting in turn; C's API — a `tessera-oidc/resource` route on Hono
 * — sees alice as the subject and "B acting for A" as the actor chain, from a JWT access token and, with
 * opaque tokens, from introspection. An exchange outside the policy is refused. Then cross-app access: an
 * ID-JAG issued by token exchange is accepted by a second Tessera's JWT-bearer grant.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { afterAll, describe, expect, it } from 'vitest'
import { requireScopes } from '../../../src/adapters/hono-resource.js'
import { createResourceServer, type ResourceServerOptions } from '../../../src/resource/index.js'
import { createClient } from '../../../src/server/admin.js'
import { jwtBearerGrant, JWT_BEARER_GRANT_TYPE } from '../../../src/server/jwt-bearer/index.js'
import { createStoredResource } from '../../../src/server/resources/resource-admin.js'
import { setTokenExchangePolicy, tokenExchange, TOKEN_EXCHANGE_GRANT_TYPE } from '../../../src/server/token-exchange/index.js'
import { clientPost, obtainTokens, RP1, startTestServer, type TestClient, type TestServer } from '../../helpers/tessera.js'
import { expectTokenError } from '../../security/helpers.js'

const B_AUD = 'http://127.0.0.1:7002/b'
const C_AUD = 'http://127.0.0.1:7003/c'
const D_AUD = 'http://127.0.0.1:7004/d'
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token'
const now = (): number => Math.floor(Date.now() / 1000)

const servers: Array<{ close(): Promise<void> }> = []
afterAll(async () => {
  for (const server of servers.reverse()) await server.close()
})

async function listen(app: Hono): Promise<string> {
  const http = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started as Server))
  })
  servers.push({ close: () => new Promise<void>((resolve) => { http.close(() => resolve()); http.closeAllConnections() }) })
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`
}

async function addClient(server: TestServer, id: string, grants: string[], scopes: string[], redirect = false): Promise<TestClient> {
  const { clientSecret } = await createClient(server.store, {
    name: id, clientId: id, authMethod: 'client_secret_basic', redirectUris: redirect ? [RP1] : [], grantTypes: grants, scopes,
  }, now(), { registry: server.standalone.server.registry })
  return { id, secret: clientSecret, method: 'client_secret_basic', redirectUri: redirect ? RP1 : '' }
}

async function token(server: TestServer, client: TestClient, form: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await clientPost(server, '/token', client, form)
  const body = (await response.json()) as Record<string, unknown>
  expect(response.status, JSON.stringify(body)).toBe(200)
  return body
}

/** Tessera with the chain's services: A signs alice in; B owns B_AUD and may go on to C_AUD; C has no exchange policy. */
async function chainServer(format: 'jwt' | 'opaque') {
  const server = await startTestServer({
    accessTokenFormat: format,
    capabilities: [tokenExchange({
      clients: {
        'svc-a': { delegation: true },
        'svc-b': { resources: [B_AUD], audiences: [C_AUD], delegation: true },
      },
    })],
  })
  servers.push(server)
  const scopes = { b: { 'b.read': 'Read B' }, c: { 'c.read': 'Read C' }, d: { 'd.read': 'Read D' } }
  await createStoredResource(server.store, { identifier: B_AUD, scopes: scopes.b, now: now() })
  const c = await createStoredResource(server.store, { identifier: C_AUD, scopes: scopes.c, now: now() })
  await createStoredResource(server.store, { identifier: D_AUD, scopes: scopes.d, now: now() })
  const grants = ['authorization_code', 'client_credentials', TOKEN_EXCHANGE_GRANT_TYPE]
  const clients = {
    a: await addClient(server, 'svc-a', grants, ['openid', 'b.read', 'c.read', 'd.read'], true),
    b: await addClient(server, 'svc-b', grants.slice(1), ['b.read', 'c.read']),
    c: await addClient(server, 'svc-c', grants.slice(1), ['c.read', 'd.read']),
  }
  return { server, clients, cIntrospection: { clientId: c.resource.client_id, clientSecret: c.clientSecret } }
}

/** C's API: a real `tessera-oidc/resource` route answering with the principal's subject and actor chain. */
async function serviceC(options: ResourceServerOptions): Promise<string> {
  const rs = createResourceServer(options)
  const app = new Hono()
  app.get('/c/whoami', requireScopes(rs, 'c.read'), (c) => {
    const principal = c.get('principal')
    return c.json({ subject: principal.subject, clientId: principal.clientId, actor: principal.actor ?? null })
  })
  return `${await listen(app)}/c/whoami`
}

describe.each(['jwt', 'opaque'] as const)('three-service delegation chain (%s access tokens)', (format) => {
  it('C sees B acting for A acting for alice; an exchange outside the policy is refused', async () => {
    const { server, clients, cIntrospection } = await chainServer(format)
    const alice = server.users.alice
    const cUrl = await serviceC(format === 'jwt' ? { issuer: server.url, audience: C_AUD } : { issuer: server.url, audience: C_AUD, introspection: cIntrospection })
    const userToken = (await obtainTokens(server, { client: clients.a, scope: 'openid b.read c.read' })).access_token

    const actorA = String((await token(server, clients.a, { grant_type: 'client_credentials', scope: 'b.read' })).access_token)
    const forB = await token(server, clients.a, {
      grant_type: TOKEN_EXCHANGE_GRANT_TYPE, subject_token: userToken, subject_token_type: ACCESS,
      actor_token: actorA, actor_token_type: ACCESS, resource: B_AUD, scope: 'b.read c.read',
    })
    expect(forB).toMatchObject({ issued_token_type: ACCESS, token_type: 'Bearer', scope: 'b.read c.read' })

    const actorB = String((await token(server, clients.b, { grant_type: 'client_credentials', scope: 'b.read' })).access_token)
    const forC = await token(server, clients.b, {
      grant_type: TOKEN_EXCHANGE_GRANT_TYPE, subject_token: String(forB.access_token), subject_token_type: ACCESS,
      actor_token: actorB, actor_token_type: ACCESS, resource: C_AUD, scope: 'c.read',
    })

    const seen = await fetch(cUrl, { headers: { authorization: `Bearer ${String(forC.access_token)}` } })
    expect(seen.status).toBe(200)
    expect(await seen.json()).toEqual({
      subject: alice.id, clientId: 'svc-b',
      actor: { subject: 'svc-b', clientId: 'svc-b', actor: { subject: 'svc-a', clientId: 'svc-a' } },
    })
    // B's token is not for C: C's API refuses it.
    expect((await fetch(cUrl, { headers: { authorization: `Bearer ${String(forB.access_token)}` } })).status).toBe(401)

    // Outside the policy: B may not go on to D, C has no policy to exchange B's token, and scopes only narrow.
    const exchangeForB = { grant_type: TOKEN_EXCHANGE_GRANT_TYPE, subject_token: String(forB.access_token), subject_token_type: ACCESS, actor_token: actorB, actor_token_type: ACCESS }
    await expectTokenError(await clientPost(server, '/token', clients.b, { ...exchangeForB, resource: D_AUD }), 'invalid_target')
    await expectTokenError(await clientPost(server, '/token', clients.b, { ...exchangeForB, resource: C_AUD, scope: 'c.read d.read' }), 'invalid_scope')
    await expectTokenError(await clientPost(server, '/token', clients.c, { grant_type: TOKEN_EXCHANGE_GRANT_TYPE, subject_token: String(forB.access_token), subject_token_type: ACCESS, resource: C_AUD }), 'invalid_grant')

    // requested_token_type jwt: an RFC 9068 JWT whatever the server's access token format, accepted by C's API alike.
    const asJwt = await token(server, clients.b, { ...exchangeForB, resource: C_AUD, scope: 'c.read', requested_token_type: 'urn:ietf:params:oauth:token-type:jwt' })
    expect(asJwt.issued_token_type).toBe('urn:ietf:params:oauth:token-type:jwt')
    expect(String(asJwt.access_token).split('.')).toHaveLength(3)
    const viaJwt = await fetch(cUrl, { headers: { authorization: `Bearer ${String(asJwt.access_token)}` } })
    expect(await viaJwt.json()).toMatchObject({ subject: alice.id, actor: { subject: 'svc-b', actor: { subject: 'svc-a' } } })
  })
})

describe('cross-app access: an ID-JAG issued by token exchange is accepted by a second Tessera', () => {
  it('A exchanges alice\'s ID token for an ID-JAG naming the second server, which grants a token for it', async () => {
    const idp = await startTestServer({ capabilities: [tokenExchange()] })
    servers.push(idp)
    // Each server has its own alice: the resource side finds hers by the verified address the ID-JAG carries.
    let aliceThere = ''
    const resourceAs = await startTestServer({
      development: { allowLoopbackFetch: true },
      capabilities: [jwtBearerGrant({
        issuers: [{ issuer: idp.url, jwksUri: `${idp.url}/jwks`, clients: ['a-at-notes'], idJagOnly: true }],
        resolveUser: ({ claims }) => Promise.resolve(claims.email === 'alice@example.com' ? aliceThere : undefined),
      })],
    })
    aliceThere = resourceAs.users.alice.id
    servers.push(resourceAs)
    const a = await addClient(idp, 'svc-a', ['authorization_code', TOKEN_EXCHANGE_GRANT_TYPE], ['openid', 'email'], true)
    const aThere = await addClient(resourceAs, 'a-at-notes', [JWT_BEARER_GRANT_TYPE], ['notes:read'])
    // A stored policy (as `tessera-oidc client update --token-exchange-policy` writes it).
    await setTokenExchangePolicy(idp.store, 'svc-a', { subject_token_types: ['id_token'], id_jag: [{ audience: resourceAs.url, client_id: 'a-at-notes', scopes: ['notes:read'] }] })

    const idToken = (await obtainTokens(idp, { client: a, scope: 'openid email' })).id_token ?? ''
    const jag = await token(idp, a, {
      grant_type: TOKEN_EXCHANGE_GRANT_TYPE, subject_token: idToken, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:id-jag', audience: resourceAs.url, scope: 'notes:read',
    })
    expect(jag).toMatchObject({ issued_token_type: 'urn:ietf:params:oauth:token-type:id-jag', token_type: 'N_A' })
    const granted = await token(resourceAs, aThere, { grant_type: JWT_BEARER_GRANT_TYPE, assertion: String(jag.access_token) })
    expect(granted).toMatchObject({ token_type: 'Bearer', scope: 'notes:read' })
    const notes = await fetch(`${resourceAs.url}/api/notes`, { headers: { authorization: `Bearer ${String(granted.access_token)}` } })
    expect(notes.status).toBe(200)
  })
})
