/**
 * Wave-2 catalogue §20 (RS-15, RS-16) over real loopback HTTP: a Hono API behind `requireScopes`, the
 * authorization servers played by `FakeAuthorizationServer` (ISS and ISS2, each with its own JWKS).
 *
 * RS-15 expects `bearer_methods_supported: ["header"]`; Tessera accepts the form-body method of RFC 6750
 * §2.2 as well (never the query), and RFC 9728 §2 asks the metadata to list what is accepted, so it says
 * `["header", "body"]`.
 */
import { randomUUID } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedResourceMetadata, requireScopes } from '../../src/adapters/hono-resource.js'
import { createResourceServer, ResourceConfigError, type ResourceServer, type ResourceServerOptions } from '../../src/resource/index.js'
import { AUDIENCE, FakeAuthorizationServer, accessToken, generateKey, type TestKey } from './fixtures.js'

/** Catalogue §0.4 `API_AUD2`: the second resource, the only one ISS2 is trusted for. */
const AUDIENCE2 = 'http://127.0.0.1:6001/api2'
const METADATA_URL = 'http://127.0.0.1:6000/.well-known/oauth-protected-resource/api'

interface Api {
  url: string
  close(): Promise<void>
}

async function startApi(rs: ResourceServer): Promise<Api> {
  const app = new Hono()
  app.get('/api/x', requireScopes(rs, 'notes:read'), (c) => c.json({ subject: c.get('principal').subject, iss: c.get('principal').claims.iss }))
  app.post('/api/x', requireScopes(rs, 'notes:write'), (c) => c.json({ subject: c.get('principal').subject }, 201))
  app.get(rs.metadataPath, protectedResourceMetadata(rs))
  const server = await new Promise<Server>((resolve) => {
    const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(http as Server))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}

let iss: FakeAuthorizationServer
let iss2: FakeAuthorizationServer
let untrusted: FakeAuthorizationServer
let key: TestKey
let key2: TestKey
let untrustedKey: TestKey

beforeAll(async () => {
  // ISS2's JWKS reuses the kid of ISS's key: only the issuer can tell the two keys apart.
  const sharedKid = randomUUID()
  key = generateKey('ES256', sharedKid)
  key2 = generateKey('ES256', sharedKid)
  untrustedKey = generateKey('ES256', sharedKid)
  ;[iss, iss2, untrusted] = await Promise.all([new FakeAuthorizationServer().start(), new FakeAuthorizationServer().start(), new FakeAuthorizationServer().start()])
  iss.jwks = { keys: [key.publicJwk] }
  iss2.jwks = { keys: [key2.publicJwk] }
  untrusted.jwks = { keys: [untrustedKey.publicJwk] }
})
afterAll(async () => {
  await Promise.all([iss.close(), iss2.close(), untrusted.close()])
})

async function withApi<T>(options: Partial<ResourceServerOptions>, use: (api: Api) => Promise<T>): Promise<T> {
  const api = await startApi(createResourceServer({ issuer: iss.url, audience: AUDIENCE, scopesSupported: ['notes:read', 'notes:write'], ...options }))
  try {
    return await use(api)
  } finally {
    await api.close()
  }
}

const get = (api: Api, token?: string): Promise<Response> => fetch(`${api.url}/api/x`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

describe('RS-15 protected-resource metadata and challenges', () => {
  it('RS-15 answers 401 with resource_metadata and the route\'s scope, 403 insufficient_scope with both, and metadata naming exactly this resource', async () => {
    await withApi({}, async (api) => {
      const missing = await get(api)
      expect(missing.status).toBe(401)
      expect(missing.headers.get('www-authenticate')).toBe(`Bearer realm="${AUDIENCE}", scope="notes:read", resource_metadata="${METADATA_URL}"`)

      const readOnly = accessToken(key, iss.url, { scope: 'notes:read' })
      expect((await get(api, readOnly)).status).toBe(200)
      const forbidden = await fetch(`${api.url}/api/x`, { method: 'POST', headers: { authorization: `Bearer ${readOnly}` } })
      expect(forbidden.status).toBe(403)
      const challenge = forbidden.headers.get('www-authenticate') ?? ''
      expect(challenge).toMatch(/^Bearer /)
      expect(challenge).toContain('error="insufficient_scope"')
      expect(challenge).toContain('scope="notes:write"')
      expect(challenge).toContain(`resource_metadata="${METADATA_URL}"`)

      const metadata = await fetch(`${api.url}/.well-known/oauth-protected-resource/api`)
      expect(metadata.status).toBe(200)
      // RFC 9728 §3.3: `resource` is the resource identifier itself; one authorization server; only this API's scopes.
      expect(await metadata.json()).toEqual({
        resource: AUDIENCE, authorization_servers: [iss.url], bearer_methods_supported: ['header', 'body'], scopes_supported: ['notes:read', 'notes:write'],
      })
      // The bare well-known path would describe the resource `http://127.0.0.1:6000`, which this API is not.
      expect((await fetch(`${api.url}/.well-known/oauth-protected-resource`)).status).toBe(404)
    })
  })
})

describe('RS-16 several trusted issuers', () => {
  const options = (): Partial<ResourceServerOptions> => ({ trustedIssuers: [{ issuer: iss2.url, audience: AUDIENCE2 }] })

  it('RS-16 picks the key by (iss, kid) from that issuer\'s own JWKS and applies each issuer\'s audience', async () => {
    await withApi(options(), async (api) => {
      // Each issuer's own tokens, for the audience it is trusted for.
      const own = await get(api, accessToken(key, iss.url))
      expect(own.status).toBe(200)
      expect(await own.json()).toEqual({ subject: 'alice', iss: iss.url })
      const second = await get(api, accessToken(key2, iss2.url, { aud: AUDIENCE2 }))
      expect(second.status).toBe(200)
      expect(await second.json()).toEqual({ subject: 'alice', iss: iss2.url })

      const refusals = {
        'iss = ISS signed by ISS2\'s key (same kid)': accessToken(key2, iss.url),
        'iss = ISS2 signed by ISS\'s key (same kid)': accessToken(key, iss2.url, { aud: AUDIENCE2 }),
        'iss = ISS2 for API_AUD, for which ISS2 is not trusted': accessToken(key2, iss2.url),
        'ISS\'s token for API_AUD2': accessToken(key, iss.url, { aud: AUDIENCE2 }),
        'no iss, signed by ISS': accessToken(key, iss.url, { iss: undefined }),
        'no iss, signed by ISS2': accessToken(key2, iss.url, { iss: undefined, aud: AUDIENCE2 }),
        'an untrusted issuer with its own JWKS': accessToken(untrustedKey, untrusted.url),
      }
      for (const [name, token] of Object.entries(refusals)) {
        const response = await get(api, token)
        expect(response.status, name).toBe(401)
        expect(response.headers.get('www-authenticate'), name).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/)
      }
      // Keys come only from the configured issuers: the untrusted one was never asked for anything.
      expect(untrusted.calls).toMatchObject({ metadata: 0, jwks: 0 })
      expect(iss.calls.jwks).toBeGreaterThan(0)
      expect(iss2.calls.jwks).toBeGreaterThan(0)

      const metadata = (await (await fetch(`${api.url}/.well-known/oauth-protected-resource/api`)).json()) as { authorization_servers: string[] }
      expect(metadata.authorization_servers).toEqual([iss.url, iss2.url])
    })
  })

  it('RS-16 an issuer with a configured jwksUri is never discovered, and its tokens need its own key', async () => {
    const calls = { metadata: iss2.calls.metadata, jwks: iss2.calls.jwks }
    await withApi({ trustedIssuers: [{ issuer: iss2.url, jwksUri: `${iss2.url}/jwks` }] }, async (api) => {
      // Without an audience of its own, ISS2 is trusted for this API's audience.
      expect((await get(api, accessToken(key2, iss2.url))).status).toBe(200)
      expect((await get(api, accessToken(key, iss2.url))).status).toBe(401)
    })
    expect(iss2.calls.metadata).toBe(calls.metadata)
    expect(iss2.calls.jwks).toBeGreaterThan(calls.jwks)
  })

  it('RS-16 an issuer trusted for some scopes grants only those, whatever its token claims', async () => {
    await withApi({ trustedIssuers: [{ issuer: iss2.url, scopes: ['notes:read'] }] }, async (api) => {
      const token = accessToken(key2, iss2.url, { scope: 'notes:read notes:write' })
      expect((await get(api, token)).status).toBe(200)
      const write = await fetch(`${api.url}/api/x`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      expect(write.status).toBe(403)
      expect(write.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
      // The primary issuer is not limited.
      expect((await fetch(`${api.url}/api/x`, { method: 'POST', headers: { authorization: `Bearer ${accessToken(key, iss.url, { scope: 'notes:write' })}` } })).status).toBe(201)
    })
  })

  it('refuses a trusted issuer listed twice, not https, with an empty audience or a bad scope, naming the field', () => {
    const make = (trustedIssuers: ResourceServerOptions['trustedIssuers']) => () => createResourceServer({ issuer: 'https://as.example.com', audience: AUDIENCE, trustedIssuers })
    expect(make([{ issuer: 'https://as.example.com' }])).toThrow(/trustedIssuers\[0\]\.issuer is listed twice/)
    expect(make([{ issuer: 'https://as2.example.com' }, { issuer: 'https://as2.example.com' }])).toThrow(/trustedIssuers\[1\]\.issuer is listed twice/)
    expect(make([{ issuer: 'http://as2.example.com' }])).toThrow(ResourceConfigError)
    expect(make([{ issuer: 'https://as2.example.com', audience: '' }])).toThrow(/trustedIssuers\[0\]\.audience/)
    expect(make([{ issuer: 'https://as2.example.com', jwksUri: 'http://as2.example.com/jwks' }])).toThrow(/trustedIssuers\[0\]\.jwksUri/)
    expect(make([{ issuer: 'https://as2.example.com', scopes: ['notes read'] }])).toThrow(/trustedIssuers\[0\]\.scopes/)
  })
})
