/**
 * The Fastify plugins as Fastify apps use them, over real HTTP: refusals go through the app's error
 * handling (`setErrorHandler` sees a `ResourceAccessError`; Fastify's default handler keeps the status and
 * the exact challenge), the decorators follow Fastify's rules, the form parser is added only when the app
 * has none, and the client plugin's onSend hook writes the cookies whatever answered. The shared scenario
 * tables (test/resource/adapters.test.ts, test/client/adapters.test.ts) run the same plugins through every
 * protection and login case.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendFastifyRedirect, tesseraClient } from '../../src/adapters/fastify-client.js'
import { protectedResourceMetadata, ResourceAccessError, tesseraResource } from '../../src/adapters/fastify-resource.js'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth, type OAuth } from '../../src/client/oauth.js'
import type { ResourceServer } from '../../src/resource/index.js'
import type { EvilProvider } from '../client/evil-provider.js'
import type { FakeAuthorizationServer } from '../resource/fixtures.js'
import { scenarios, scenarioTokens, sendScenario, type ScenarioTokens } from '../resource/scenarios.js'
import { expectLoginWritesCookies, startEvilLogin, startNotesIssuer } from './harness.js'

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
    ;({ as, rs, read } = await startNotesIssuer())
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
    expect((error as ResourceAccessError).headers['WWW-Authenticate']).toBe(answer.headers.get('www-authenticate'))
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
    const issuer = await startNotesIssuer()
    as = issuer.as
    tokens = scenarioTokens(issuer.key, as.url)
    const { rs } = issuer
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
    const answer = await sendScenario(origin, scenario.request(tokens))
    const challenge = answer.headers['www-authenticate'] as string | undefined
    expect(answer.status, answer.body).toBe(want.status)
    if (want.challenge === null) expect(challenge).toBeUndefined()
    else expect(challenge).toMatch(want.challenge)
    expect(answer.body).not.toMatch(/\bat \S+:\d+:\d+/)
    const error = /error="([a-z_]+)"/.exec(challenge ?? '')?.[1]
    if (want.status >= 400 && want.status < 431) expect((JSON.parse(answer.body) as { code?: string }).code).toBe(error)
  })
})

describe('tesseraClient', () => {
  let evil: EvilProvider
  let oauth: OAuth
  let app: FastifyInstance
  let origin: string

  beforeAll(async () => {
    ;({ evil, oauth } = await startEvilLogin('fastify-adapter-test-secret-0123456789-ab'))
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
    await expectLoginWritesCookies(origin)
  })

  it("adds the cookies to the error handler's answer too", async () => {
    const answer = await fetch(`${origin}/login-then-fail`)
    expect(answer.status).toBe(500)
    expect(answer.headers.getSetCookie().some((cookie) => cookie.startsWith('tessera-rp-tx='))).toBe(true)
  })
})
