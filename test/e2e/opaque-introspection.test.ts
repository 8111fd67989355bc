/**
 * A resource server in introspection mode (RFC 7662) in front of an API, accepting opaque access tokens
 * of the Tessera server over real loopback HTTP, and refusing them at once after revocation (RFC 7009).
 * The API introspects with the credentials of the token's client: Tessera answers a client about its own
 * tokens only (see test/security/rv-revocation-introspection.test.ts).
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { afterAll, describe, expect, it } from 'vitest'
import { requireScopes, type ResourceEnv } from '../../src/adapters/hono-resource.js'
import { createResourceServer } from '../../src/resource/create-resource-server.js'
import { clientPost, startTestServer } from '../helpers/tessera.js'
import { revoke } from '../security/helpers.js'

const server = await startTestServer({ store: 'sqlite', accessTokenFormat: 'opaque' })
const { m2m } = server.clients

// `cacheTtl: 0`: every request introspects, so a revocation is seen by the very next request.
const rs = createResourceServer({
  issuer: server.url,
  audience: `${server.url}/api`,
  introspection: { clientId: m2m.id, clientSecret: m2m.secret ?? '', cacheTtl: 0 },
})
const app = new Hono<ResourceEnv>()
app.get('/api/notes', requireScopes(rs, 'notes:read'), (c) => c.json({ subject: c.get('principal').subject, client: c.get('principal').clientId }))
const http = await new Promise<Server>((resolve) => {
  const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started as Server))
})
const api = `http://127.0.0.1:${(http.address() as AddressInfo).port}`

afterAll(async () => {
  await new Promise<void>((resolve) => {
    http.close(() => resolve())
    http.closeAllConnections()
  })
  await server.close()
})

const callApi = (token: string) => fetch(`${api}/api/notes`, { headers: { authorization: `Bearer ${token}` } })

describe('resource server introspecting opaque tokens', () => {
  it('accepts an opaque token from the Tessera server and refuses it once revoked', async () => {
    const issued = await clientPost(server, '/token', m2m, { grant_type: 'client_credentials', scope: 'notes:read' })
    expect(issued.status).toBe(200)
    const { access_token: token } = (await issued.json()) as { access_token: string }
    expect(token.split('.')).toHaveLength(1)

    const accepted = await callApi(token)
    expect(accepted.status).toBe(200)
    expect(await accepted.json()).toEqual({ subject: 'm2m', client: 'm2m' })

    expect((await revoke(server, m2m, token)).status).toBe(200)
    const refused = await callApi(token)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/)
  })

  it('refuses a token it does not know', async () => {
    const refused = await callApi('bm90LWEtdG9rZW4tb2YtdGhpcy1zZXJ2ZXItYXQtYWxs')
    expect(refused.status).toBe(401)
  })
})
