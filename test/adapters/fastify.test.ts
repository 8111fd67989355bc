/**
 * The Fastify plugins as Fastify apps use them, over real HTTP: refusals go through the app's error
 * handling (`setErrorHandler` sees a `ResourceAccessError`; Fastify's default handler keeps the status and
 * the exact challenge), the decorators follow Fastify's rules, the form parser is added only when the app
 * has none, and the client plugin's onSend hook writes the cookies whatever answered. The shared scenario
 * tables (test/resource/adapters.test.ts, test/client/adapters.test.ts) run the same plugins through every
 * protection and login case.
 */
import { request as httpRequest } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendFastifyRedirect, tesseraClient } from '../../src/adapters/fastify-client.js'
import { protectedResourceMetadata, ResourceAccessError, tesseraResource } from '../../src/adapters/fastify-resource.js'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth, type OAuth } from '../../src/client/oauth.js'
import { createResourceServer, type ResourceServer } from '../../src/resource/index.js'
import { Browser } from '../helpers/http-client.js'
import { startEvilProvider, type EvilProvider } from '../client/evil-provider.js'
import { AUDIENCE, FakeAuthorizationServer, accessToken, claims, generateKey, nowSeconds, segment } from '../resource/fixtures.js'
import { scenarios, type ScenarioRequest, type ScenarioTokens } from '../resource/scenarios.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' })
}

describe('tesseraResource', () => {
  let as: FakeAuthorizationServer
  let rs: ResourceServer
  let read: string
  const apps: FastifyInstance[] = []

  beforeAll(async () => {
    const key = generateKey('ES256')
    as = await new FakeAuthorizationServer().start()
    as.jwks = { keys: [key.publicJwk] }
    read = accessToken(key, as.url)
    rs = createResourceServer({ issuer: as.url, audience: AUDIENCE, realm: 'notes' })
  })
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()))
    await as?.close()
  })

  async function start(setup: (app: FastifyInstance) => void | Promise<void>): Promise<string> {
    const app = Fastify()
    apps.push(app)
    await setup(app)
    return listen(app)
  }

  it('decorates request.auth as null, set only by the hook', async () => {
    const origin = await start(async (app) => {
      await app.register(tesseraResource, { resourceServer: rs })
      app.get('/open', async (request) => ({ auth: request.auth }))
      app.get('/api/notes', { preHandler: app.requireAuth({ scopes: ['notes:read'] }) }, async (request) => ({ subject: request.auth?.subject }))
    })
    expect(await (await fetch(`${origin}/open`, { headers: { authorization: `Bearer ${read}` } })).json()).toEqual({ auth: null })
    expect(await (await fetch(`${origin}/api/notes`, { headers: { authorization: `Bearer ${read}` } })).json()).toEqual({ subject: 'alice' })
  })

  it('hands a refusal to setErrorHandler as a ResourceAccessError; sent on, it keeps status and challenge', async () => {
    const seen: unknown[] = []
    const origin = await start(async (app) => {
      await app.register(tesseraResource, { resourceServer: rs })
      app.setErrorHandler((error, _request, reply) => {
        seen.push(error)
        return reply.send(error)
      })
      app.post('/api/notes', { preHandler: app.requireAuth({ scopes: ['notes:write'] }) }, async () => ({ written: true }))
    })
    const answer = await fetch(`${origin}/api/notes`, { method: 'POST', headers: { authorization: `Bearer ${read}` } })
    expect(answer.status).toBe(403)
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="notes", error="insufficient_scope", error_description="[^"]+", scope="notes:write", resource_metadata="/)
    expect(answer.headers.get('cache-control')).toBe('no-store')
    expect(await answer.json()).toMatchObject({ statusCode: 403, code: 'insufficient_scope', error: 'Forbidden' })
    expect(seen).toHaveLength(1)
    const [error] = seen
    expect(error).toBeInstanceOf(ResourceAccessError)
    expect((error as ResourceAccessError).statusCode).toBe(403)
    expect((error as ResourceAccessError).code).toBe('insufficient_scope')
    expect((error as ResourceAccessError).headers['www-authenticate']).toBe(answer.headers.get('www-authenticate'))
  })

  it("answers a request without credentials, with Fastify's default handler, 401 and the bare challenge", async () => {
    const origin = await start(async (app) => {
      await app.register(tesseraResource, { resourceServer: rs })
      app.get('/api/notes', { preHandler: app.requireAuth({ scopes: ['notes:read'] }) }, async () => ({}))
    })
    const answer = await fetch(`${origin}/api/notes`)
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="notes", scope="notes:read", resource_metadata="[^"]+"$/)
    const body = (await answer.json()) as Record<string, unknown>
    expect(body).toMatchObject({ statusCode: 401, message: 'An access token is required' })
    expect(body.code).toBeUndefined()
  })

  it("keeps the app's own form parser (hasContentTypeParser) and still reads a token from the form", async () => {
    const origin = await start(async (app) => {
      // Registered first, as an app with @fastify/formbody has it: the plugin must not add a second one.
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body))
      await app.register(tesseraResource, { resourceServer: rs })
      await app.register(tesseraClient, { oauth: createOAuth({ store: createMemoryClientStore(), secret: 'fastify-adapter-test-secret-0123456789-ab' }) })
      app.post('/api/read', { preHandler: app.requireAuth({ scopes: ['notes:read'] }) }, async (request) => ({ subject: request.auth?.subject, body: request.body, note: request.clientContext.body?.get('note') }))
    })
    const answer = await fetch(`${origin}/api/read`, { method: 'POST', headers: FORM, body: `access_token=${read}&note=hi` })
    expect(answer.status).toBe(200)
    // The body is the app's parser's string, not the plugins' object.
    expect(await answer.json()).toEqual({ subject: 'alice', body: `access_token=${read}&note=hi`, note: 'hi' })
  })

  it('registers one form parser for both plugins', async () => {
    const origin = await start(async (app) => {
      await app.register(tesseraResource, { resourceServer: rs })
      await app.register(tesseraClient, { oauth: createOAuth({ store: createMemoryClientStore(), secret: 'fastify-adapter-test-secret-0123456789-ab' }) })
      app.post('/api/read', { preHandler: app.requireAuth({ scopes: ['notes:read'] }) }, async (request) => ({ body: request.body, form: request.clientContext.body?.getAll('note') }))
    })
    const answer = await fetch(`${origin}/api/read`, { method: 'POST', headers: FORM, body: `access_token=${read}&note=a&note=b` })
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ body: { access_token: read, note: ['a', 'b'] }, form: ['a', 'b'] })
  })
})

/** node:http rather than fetch, so that a header can be sent twice as two lines. */
function send(base: string, scenario: ScenarioRequest): Promise<{ status: number; challenge: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of scenario.headers ?? []) {
      const existing = headers[name]
      headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value]
    }
    const body = scenario.body === undefined ? undefined : Buffer.from(scenario.body)
    if (body) headers['content-length'] = String(body.length)
    const req = httpRequest(new URL(scenario.path, base), { method: scenario.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'], body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** What a scenario expects, read so that it works whether the table keeps its members flat or under `expect`. */
function expected(scenario: unknown): { status: number; challenge: RegExp | null } {
  const flat = scenario as { status: number; challenge: RegExp | null; expect?: { status: number; challenge: RegExp | null } }
  return flat.expect ?? flat
}

/**
 * The shared scenario table (test/resource/scenarios.ts) against the plugin with Fastify's default error
 * handler, whose error body is Fastify's own: every status and challenge must still be exact, and an
 * error body must carry the RFC error code as `code` and never a stack trace.
 */
describe("tesseraResource with Fastify's default error handler, over the scenario table", () => {
  let as: FakeAuthorizationServer
  let tokens: ScenarioTokens
  let app: FastifyInstance
  let origin: string

  beforeAll(async () => {
    const key = generateKey('ES256')
    const foreign = generateKey('ES256')
    as = await new FakeAuthorizationServer().start()
    as.jwks = { keys: [key.publicJwk] }
    tokens = {
      read: accessToken(key, as.url),
      write: accessToken(key, as.url, { scope: 'notes:read notes:write' }),
      expired: accessToken(key, as.url, { iat: nowSeconds() - 3600, exp: nowSeconds() - 600 }),
      wrongAudience: accessToken(key, as.url, { aud: 'http://127.0.0.1:7000/api' }),
      algNone: `${segment({ alg: 'none', typ: 'at+jwt' })}.${segment(claims(as.url))}.`,
      foreignKey: accessToken(foreign, as.url, {}, { kid: key.kid }),
      mfa: accessToken(key, as.url, { acr: 'urn:tessera:mfa', auth_time: nowSeconds() - 10 }),
      delegated: accessToken(key, as.url, { client_id: 'svc-b', act: { sub: 'svc-b', client_id: 'svc-b', act: { sub: 'svc-a' } } }),
    }
    const rs = createResourceServer({ issuer: as.url, audience: AUDIENCE, realm: 'notes' })
    app = Fastify()
    await app.register(tesseraResource, { resourceServer: rs })
    const read = app.requireAuth({ scopes: ['notes:read'] })
    app.get('/api/notes', { preHandler: read }, async (request) => {
      const { subject, clientId, scopes, actor } = request.auth ?? { subject: undefined, clientId: undefined, scopes: undefined, actor: undefined }
      return { subject, clientId, scopes, actor: actor ?? null }
    })
    app.post('/api/notes', { preHandler: app.requireAuth({ scopes: ['notes:write'] }) }, async (request, reply) => reply.code(201).send({ subject: request.auth?.subject }))
    app.get('/api/step-up', { preHandler: app.requireAuth({ scopes: ['notes:read'], acrValues: ['urn:tessera:mfa'], maxAge: 300 }) }, async (request) => ({ subject: request.auth?.subject }))
    app.post('/api/read', { preHandler: read }, async (request) => ({ subject: request.auth?.subject, note: (request.body as Record<string, unknown>).note }))
    app.get(rs.metadataPath, protectedResourceMetadata(rs))
    origin = await listen(app)
  })
  afterAll(async () => {
    await app?.close()
    await as?.close()
  })

  it.each(scenarios)('$name', async (scenario) => {
    const want = expected(scenario)
    const answer = await send(origin, scenario.request(tokens))
    expect(answer.status, answer.body).toBe(want.status)
    if (want.challenge === null) expect(answer.challenge).toBeUndefined()
    else expect(answer.challenge).toMatch(want.challenge)
    expect(answer.body).not.toMatch(/\bat \S+:\d+:\d+/)
    const error = /error="([a-z_]+)"/.exec(answer.challenge ?? '')?.[1]
    if (want.status >= 400 && want.status < 431) expect((JSON.parse(answer.body) as { code?: string }).code).toBe(error)
  })
})

describe('tesseraClient', () => {
  let evil: EvilProvider
  let oauth: OAuth
  let app: FastifyInstance
  let origin: string

  beforeAll(async () => {
    evil = await startEvilProvider()
    oauth = createOAuth({ store: createMemoryClientStore(), secret: 'fastify-adapter-test-secret-0123456789-ab', logger: { warn: () => undefined, info: () => undefined } })
    oauth.register({ name: 'evil', issuer: evil.url, allowInsecureLoopback: true, clientId: evil.clientId, clientSecret: evil.clientSecret, scope: 'openid email' })
    app = Fastify()
    await app.register(tesseraClient, { oauth })
    // The route answers with a plain object: the onSend hook alone writes the transaction cookie.
    app.get('/login-json', async (request) => ({ location: (await oauth.authorizeRedirect(request.clientContext, 'evil', `${origin}/cb`)).location }))
    app.get('/login-then-fail', async (request) => {
      await oauth.authorizeRedirect(request.clientContext, 'evil', `${origin}/cb`)
      throw new Error('the app failed after starting the login')
    })
    app.get('/cb', async (request, reply) => sendFastifyRedirect(reply, { status: 303, location: (await oauth.authorizeAccessToken(request.clientContext, 'evil')).returnTo }))
    app.get('/me', async (request) => ({ user: (await request.currentUser())?.sub ?? null }))
    origin = await listen(app)
  })
  afterAll(async () => {
    await app?.close()
    await evil?.close()
  })

  it('writes the context cookies in onSend, once, though the route never wrote them', async () => {
    const browser = new Browser()
    const answer = await browser.get(`${origin}/login-json`)
    expect(answer.status).toBe(200)
    const cookies = answer.headers.getSetCookie()
    expect(cookies).toHaveLength(1)
    expect(cookies[0]).toMatch(/^tessera-rp-tx=.+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600$/)
    const { location } = (await answer.json()) as { location: string }
    const callback = (await browser.get(location)).headers.get('location') ?? ''
    const done = await browser.get(callback)
    expect(done.status).toBe(303)
    expect(done.headers.get('referrer-policy')).toBe('no-referrer')
    expect(done.headers.getSetCookie().filter((cookie) => cookie.startsWith('tessera-rp-session='))).toHaveLength(1)
    expect(await (await browser.get(`${origin}/me`)).json()).toEqual({ user: 'evil-user-1' })
    expect(await (await new Browser().get(`${origin}/me`)).json()).toEqual({ user: null })
  })

  it("adds the cookies to the error handler's answer too", async () => {
    const answer = await fetch(`${origin}/login-then-fail`)
    expect(answer.status).toBe(500)
    expect(answer.headers.getSetCookie().some((cookie) => cookie.startsWith('tessera-rp-tx='))).toBe(true)
  })
})
