/**
 * `tessera-oidc/next` outside Next.js: `withResource` and `createNextAuth`'s handlers are Web-standard
 * functions, served here over real loopback HTTP by @hono/node-server against a Tessera test server.
 * `getSession` reads `next/headers`, which only exists inside a Next.js request: the Next.js example's test
 * (test/examples/nextjs.test.ts) covers it. Behind a proxy or Next.js's `basePath` the URL a route handler
 * sees is not the one clients call: a DPoP proof for the public URL must pass, one for the URL Next.js sees
 * must not.
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNextAuth, withResource, type NextRouteContext } from '../../src/adapters/next.js'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth } from '../../src/client/oauth.js'
import { createResourceServer, type ResourceServer } from '../../src/resource/create-resource-server.js'
import { dpopKey, dpopProof, type DpopKey } from '../helpers/dpop.js'
import { clientPost, startTestServer, type TestServer } from '../helpers/tessera.js'
import { AUDIENCE, accessToken, type FakeAuthorizationServer } from '../resource/fixtures.js'
import { startNotesIssuer } from './harness.js'

type RouteHandler = (request: Request, context: NextRouteContext<{ id: string }>) => Promise<Response>

interface Running {
  url: string
  close(): Promise<void>
}

/** Serves a route handler as Next.js calls it: the request, and `{ params }` as a promise. */
async function serveRoute(handler: RouteHandler): Promise<Running> {
  return new Promise((resolve) => {
    const http = serve({ fetch: (request: Request) => handler(request, { params: Promise.resolve({ id: '7' }) }), port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}/api/things/7`, close: () => new Promise((done) => http.close(() => done())) }),
    )
  })
}

let server: TestServer
let rs: ResourceServer
let token: string
const running: Running[] = []

async function route(handler: RouteHandler): Promise<string> {
  const served = await serveRoute(handler)
  running.push(served)
  return served.url
}

beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
  rs = createResourceServer({ issuer: server.url, audience: `${server.url}/api` })
  const response = await clientPost(server, '/token', server.clients.m2m, { grant_type: 'client_credentials', scope: 'notes:read' })
  token = ((await response.json()) as { access_token: string }).access_token
})

afterAll(async () => {
  await Promise.all(running.map((served) => served.close()))
  await server?.close()
})

describe('withResource', () => {
  const echo: Parameters<typeof withResource<{ id: string }>>[1] = async (request, { principal, params }) =>
    Response.json({ sub: principal.subject, scopes: principal.scopes, id: (await params).id, body: request.method === 'POST' ? await request.text() : null })

  it('passes the principal and Next.js’s params to the handler when the token grants the scopes', async () => {
    const url = await route(withResource(rs, echo, { scopes: ['notes:read'] }))
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ sub: 'm2m', scopes: ['notes:read'], id: '7', body: null })
  })

  it('answers the exact RFC 6750 challenge the resource server gives: no token, a bad token, a missing scope', async () => {
    const url = await route(withResource(rs, echo, { scopes: ['notes:read'] }))
    const expected = async (headers: Record<string, string>, scopes: string[]): Promise<Response> => {
      const result = await rs.requireScopes(...scopes)({ method: 'GET', url: new URL(url), headers: new Headers(headers) })
      if (result.ok) throw new Error('expected a refusal')
      return new Response(result.response.body as string | undefined, { status: result.response.status, headers: result.response.headers })
    }
    for (const [headers, status] of [[{}, 401], [{ authorization: 'Bearer not-a-token' }, 401]] as const) {
      const response = await fetch(url, { headers })
      const reference = await expected(headers, ['notes:read'])
      expect(response.status).toBe(status)
      expect(response.headers.get('www-authenticate')).toBe(reference.headers.get('www-authenticate'))
      expect(await response.text()).toBe(await reference.text())
    }
    expect((await fetch(url)).headers.get('www-authenticate')).toBe(`Bearer realm="${server.url}/api", scope="notes:read", resource_metadata="${server.url}/.well-known/oauth-protected-resource/api"`)
    const writeUrl = await route(withResource(rs, echo, { scopes: ['notes:write'] }))
    const forbidden = await fetch(writeUrl, { headers: { authorization: `Bearer ${token}` } })
    expect(forbidden.status).toBe(403)
    expect(forbidden.headers.get('www-authenticate')).toBe(`Bearer realm="${server.url}/api", error="insufficient_scope", error_description="The access token does not grant the scope this request needs", scope="notes:write", resource_metadata="${server.url}/.well-known/oauth-protected-resource/api"`)
  })

  it('reads a form-body token (RFC 6750 §2.2) from a clone: the handler still reads the body; an oversized body is 413', async () => {
    const url = await route(withResource(rs, echo, { scopes: ['notes:read'] }))
    const form = `access_token=${token}&note=hello`
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ sub: 'm2m', body: form })
    const large = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${token}&pad=${'x'.repeat(70 * 1024)}` })
    expect(large.status).toBe(413)
  })

  it('asks for step-up (RFC 9470) when the route needs an acr the token lacks', async () => {
    const url = await route(withResource(rs, echo, { scopes: ['notes:read'], acrValues: ['urn:tessera:mfa'] }))
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_user_authentication"')
    expect(response.headers.get('www-authenticate')).toContain('acr_values="urn:tessera:mfa"')
  })

  it('builds a lazily given resource server on the first request, once', async () => {
    let built = 0
    const handler = withResource(() => {
      built++
      return rs
    }, echo, { scopes: ['notes:read'] })
    expect(built).toBe(0)
    const url = await route(handler)
    await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    await fetch(url)
    expect(built).toBe(1)
  })
})

describe('withResource behind a proxy or a basePath: DPoP htu is the public URL (RFC 9449 §4.3)', () => {
  // The public origin the proxy serves; the route itself listens on 127.0.0.1 and sees /api/things/7.
  const PUBLIC = 'https://notes.example.test'
  let as: FakeAuthorizationServer
  let key: DpopKey
  let bound: string
  let dpopRs: ResourceServer
  const echo: Parameters<typeof withResource<{ id: string }>>[1] = async (_request, { principal, params }) => Response.json({ sub: principal.subject, id: (await params).id })

  beforeAll(async () => {
    const issuer = await startNotesIssuer()
    as = issuer.as
    key = await dpopKey()
    bound = accessToken(issuer.key, as.url, { cnf: { jkt: key.jkt } })
    dpopRs = createResourceServer({ issuer: as.url, audience: AUDIENCE, dpop: { externalOrigin: PUBLIC } })
  })
  afterAll(async () => {
    await as?.close()
  })

  /** A DPoP call of the route with a fresh proof made for `htu`. */
  async function call(url: string, htu: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(url, { headers: { authorization: `DPoP ${bound}`, dpop: await dpopProof(key, { htm: 'GET', htu, accessToken: bound }), ...headers } })
  }

  it('accepts a proof for the public URL, basePath included, and refuses one for the URL Next.js sees', async () => {
    const url = await route(withResource(dpopRs, echo, { scopes: ['notes:read'], externalBasePath: '/notes-app/' }))
    const publicUrl = `${PUBLIC}/notes-app/api/things/7`
    const ok = await call(url, publicUrl)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ sub: 'alice', id: '7' })
    // The query is no part of htu (RFC 9449 §4.3), and still reaches nothing else.
    expect((await call(`${url}?page=2`, publicUrl)).status).toBe(200)
    for (const htu of [url, `${PUBLIC}/api/things/7`, `${PUBLIC}/other/api/things/7`]) {
      const refused = await call(url, htu)
      expect(refused.status, htu).toBe(401)
      expect(refused.headers.get('www-authenticate'), htu).toMatch(/, DPoP realm="[^"]*", error="invalid_dpop_proof"/)
    }
    // What a request claims of its host never makes a proof for that host match.
    const forwarded = await call(url, 'https://evil.example.test/notes-app/api/things/7', { 'x-forwarded-host': 'evil.example.test', 'x-forwarded-proto': 'https' })
    expect(forwarded.status).toBe(401)
  })

  it('without a basePath, checks the path Next.js sees under the configured origin, never request.url’s own', async () => {
    const url = await route(withResource(dpopRs, echo, { scopes: ['notes:read'] }))
    expect((await call(url, `${PUBLIC}/api/things/7`)).status).toBe(200)
    expect((await call(url, url)).status).toBe(401)
  })

  it('refuses an externalBasePath that is not a path when the route is built', () => {
    for (const value of ['notes-app', 'https://notes.example.test/app', '/app?x=1', '/a b']) {
      expect(() => withResource(dpopRs, echo, { externalBasePath: value }), value).toThrow(/externalBasePath must be a path such as "\/docs"/)
    }
  })
})

describe('createNextAuth', () => {
  it('serves the routes from its GET and POST handlers, reading lazily given options on the first request', async () => {
    let configured = 0
    const auth = createNextAuth(() => {
      configured++
      const oauth = createOAuth({ store: createMemoryClientStore(), secret: 'next-test-secret-next-test-secret-0123456' })
      oauth.register({ name: 'tessera', preset: 'tessera', issuer: server.url, clientId: 'conf', clientSecret: server.clients.conf.secret ?? '', scope: 'openid', allowInsecureLoopback: true })
      return { oauth, appUrl: 'http://127.0.0.1:5000', providers: ['tessera'] }
    })
    expect(configured).toBe(0)
    const url = await route((request) => (request.method === 'POST' ? auth.handlers.POST(request) : auth.handlers.GET(request)))
    const origin = new URL(url).origin
    const login = await fetch(`${origin}/auth/login`, { redirect: 'manual' })
    expect(login.status).toBe(303)
    expect(new URL(login.headers.get('location') ?? '').searchParams.get('redirect_uri')).toBe('http://127.0.0.1:5000/auth/callback/tessera')
    const logout = await fetch(`${origin}/auth/logout`, { method: 'POST', redirect: 'manual' })
    expect(logout.status).toBe(303)
    expect(auth.routes().callbackUrl()).toBe('http://127.0.0.1:5000/auth/callback/tessera')
    expect(configured).toBe(1)
    // The same module evaluated again in another route bundle: the routes (and their store) are the first ones.
    const again = createNextAuth(() => {
      configured++
      throw new Error('not called')
    })
    expect(again.routes()).toBe(auth.routes())
    expect(configured).toBe(1)
    // Another name is another relying party.
    const other = createNextAuth(() => ({ oauth: createOAuth({ store: createMemoryClientStore(), secret: 'next-test-secret-next-test-secret-0123456' }), appUrl: 'https://other.example', providers: ['x'] }), { name: 'other' })
    expect(other.routes().callbackUrl()).toBe('https://other.example/auth/callback/x')
  })
})
