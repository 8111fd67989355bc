import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireScopes } from '../../src/adapters/hono-resource.js'
import type { OAuthError } from '../../src/errors.js'
import { createResourceServer, type ResourceServer } from '../../src/resource/index.js'
import { clientPost, obtainTokens, startTestServer, type TestServer, type TokenSet } from '../helpers/tessera.js'
import { bearer } from './fixtures.js'

/** Tokens from Tessera's own authorization server, checked by `tessera-oidc/resource`. */
let server: TestServer
let rs: ResourceServer
let api: { url: string; http: Server }
let m2mToken: string

beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
  rs = createResourceServer({ issuer: server.url, audience: `${server.url}/api` })
  const response = await clientPost(server, '/token', server.clients.m2m, { grant_type: 'client_credentials', scope: 'notes:read' })
  expect(response.status).toBe(200)
  m2mToken = ((await response.json()) as TokenSet).access_token

  const app = new Hono()
  app.get('/api/notes', requireScopes(rs, 'notes:read'), (c) => c.json({ client: c.get('principal').clientId }))
  app.post('/api/notes', requireScopes(rs, 'notes:write'), (c) => c.json({ created: true }, 201))
  const http = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started as Server))
  })
  api = { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, http }
})

afterAll(async () => {
  if (api) {
    await new Promise<void>((resolve) => {
      api.http.close(() => resolve())
      api.http.closeAllConnections()
    })
  }
  await server?.close()
})

describe('against the real authorization server', () => {
  it('accepts a client_credentials token from /token (discovery, JWKS, ES256 at+jwt)', async () => {
    const result = await rs.verify(bearer(m2mToken))
    expect(result).toMatchObject({ ok: true, principal: { clientId: 'm2m', scopes: ['notes:read'], claims: { iss: server.url, aud: `${server.url}/api` } } })
  })

  it('serves a notes:read route and answers 403 insufficient_scope on a notes:write route', async () => {
    const read = await fetch(`${api.url}/api/notes`, { headers: { authorization: `Bearer ${m2mToken}` } })
    expect(read.status).toBe(200)
    expect(await read.json()).toEqual({ client: 'm2m' })
    const write = await fetch(`${api.url}/api/notes`, { method: 'POST', headers: { authorization: `Bearer ${m2mToken}` } })
    expect(write.status).toBe(403)
    expect(write.headers.get('www-authenticate')).toBe(
      `Bearer realm="${server.url}/api", error="insufficient_scope", error_description="The access token does not grant the scope this request needs", scope="notes:write", resource_metadata="${server.url}/.well-known/oauth-protected-resource/api"`,
    )
  })

  describe('tokens of a user login', () => {
    let tokens: TokenSet
    beforeAll(async () => {
      tokens = await obtainTokens(server, { client: server.clients.conf, scope: 'openid offline_access notes:read', nonce: 'n-1' })
    })

    it('accepts the access token with the user as subject', async () => {
      expect(await rs.verify(bearer(tokens.access_token))).toMatchObject({ ok: true, principal: { subject: server.users.alice.id, clientId: 'conf' } })
    })

    it('refuses the ID token presented as an access token', async () => {
      const result = await rs.verify(bearer(tokens.id_token ?? ''))
      expect(result.ok ? 200 : result.response.status).toBe(401)
    })

    it('refuses the refresh token, also when introspection would call it active', async () => {
      const refresh = tokens.refresh_token ?? ''
      const without = await rs.verify(bearer(refresh))
      expect(without.ok ? 200 : without.response.status).toBe(401)
      const conf = server.clients.conf
      const refusals: OAuthError[] = []
      const introspecting = createResourceServer({
        issuer: server.url,
        audience: `${server.url}/api`,
        introspection: { clientId: conf.id, clientSecret: conf.secret ?? '' },
        onError: (error) => refusals.push(error),
      })
      const introspected = await introspecting.verify(bearer(refresh))
      expect(introspected.ok ? 200 : introspected.response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
      // The server did say active: true; what refused it is the token type.
      expect(refusals).toMatchObject([{ detail: 'token_type "refresh_token" is not a bearer access token' }])
    })
  })
})
