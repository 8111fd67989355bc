import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as expressResource from '../../src/adapters/express-resource.js'
import { answerClientError } from '../../src/adapters/node.js'
import * as fastifyResource from '../../src/adapters/fastify-resource.js'
import * as honoResource from '../../src/adapters/hono-resource.js'
import { createResourceServer, type ResourceServer } from '../../src/resource/index.js'
import { AUDIENCE, FakeAuthorizationServer, accessToken, generateKey } from './fixtures.js'
import { scenarios, scenarioTokens, sendScenario as send, type ScenarioTokens } from './scenarios.js'
import { dpopScenarios, EXTERNAL, type DpopTokens } from './dpop-scenarios.js'
import { dpopKey, dpopProof } from '../helpers/dpop.js'
import { nativeResourceAdapters } from './native-adapters.js'

/** RFC 9470 step-up: the route needs a two-factor sign-in within five minutes. */
const STEP_UP = { scopes: ['notes:read'], acrValues: ['urn:tessera:mfa'], maxAge: 300 }

interface Running {
  url: string
  close(): Promise<void>
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

async function startHono(rs: ResourceServer, parseFormsFirst: boolean, mounted = false): Promise<Running> {
  const { requireScopes, requireAccess, protectedResourceMetadata } = honoResource
  const root = new Hono()
  // Mounted: the /api routes on their own app, routed at /api (`app.route`), whose paths drop the prefix.
  const app = mounted ? new Hono() : root
  const at = (path: string) => (mounted ? path.slice('/api'.length) : path)
  // An earlier middleware that consumed the body through c.req (which keeps a parsed copy).
  if (parseFormsFirst) {
    app.use(at('/api/*'), async (c, next) => {
      if (c.req.header('content-type') === 'application/x-www-form-urlencoded') await c.req.parseBody()
      await next()
    })
  }
  app.get(at('/api/notes'), requireScopes(rs, 'notes:read'), (c) => {
    const { subject, clientId, scopes, actor } = c.get('principal')
    return c.json({ subject, clientId, scopes, actor: actor ?? null })
  })
  app.post(at('/api/notes'), requireScopes(rs, 'notes:write'), (c) => c.json({ subject: c.get('principal').subject }, 201))
  app.get(at('/api/step-up'), requireAccess(rs, STEP_UP), (c) => c.json({ subject: c.get('principal').subject }))
  app.post(at('/api/read'), requireScopes(rs, 'notes:read'), async (c) => {
    const form = await c.req.parseBody()
    return c.json({ subject: c.get('principal').subject, note: form.note })
  })
  if (mounted) root.route('/api', app)
  root.get(rs.metadataPath, protectedResourceMetadata(rs))
  const server = await new Promise<Server>((resolve) => {
    const http = serve({ fetch: root.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(http as Server))
  })
  // As the README asks of every node:http server: Node 24's own handler resets the connection instead of a 431.
  server.on('clientError', answerClientError)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) }
}

/** How an Express app answers a refusal: the new default through error handlers, or the deprecated way. */
type ExpressFailure = 'resourceErrorHandler' | 'own error handler' | 'respond'

interface ExpressVariant {
  parseForms?: boolean
  failure: ExpressFailure
  /** The /api routes on a router mounted at /api. */
  mounted?: boolean
}

/** The app's own error handler, as the README shows it: everything it needs is on the error. */
const ownErrorHandler: express.ErrorRequestHandler = (error: unknown, _req, res, next) => {
  if (!(error instanceof expressResource.ResourceAccessError)) return next(error)
  res.status(error.status).set(error.headers)
  if (error.body) res.json(error.body)
  else res.end()
}

async function startExpress(rs: ResourceServer, variant: ExpressVariant): Promise<Running> {
  const { protectedResourceMetadata, resourceErrorHandler } = expressResource
  // `requireAuth` goes to next(err); the deprecated `requireScopes`/`requireAccess` answer refusals themselves.
  const deprecated = variant.failure === 'respond'
  const requireScopes = (scope: string) => (deprecated ? expressResource.requireScopes(rs, scope) : expressResource.requireAuth(rs, { scopes: [scope] }))
  const requireAccess = (requirement: typeof STEP_UP) => (deprecated ? expressResource.requireAccess(rs, requirement) : expressResource.requireAuth(rs, requirement))
  const app = express()
  if (variant.parseForms) app.use(express.urlencoded({ extended: false }))
  const api = variant.mounted ? express.Router() : app
  const at = (path: string) => (variant.mounted ? path.slice('/api'.length) : path)
  api.get(at('/api/notes'), requireScopes('notes:read'), (req, res) => {
    // The deprecated middleware still sets the deprecated name (one release), the same principal; requireAuth only req.auth.
    const principal = deprecated ? req.auth : undefined
    if (req.principal !== principal || res.locals.principal !== principal) throw new Error('req.principal is not what the middleware promises')
    const { subject, clientId, scopes, actor } = req.auth ?? { subject: undefined, clientId: undefined, scopes: undefined, actor: undefined }
    res.json({ subject, clientId, scopes, actor: actor ?? null })
  })
  api.get(at('/api/step-up'), requireAccess(STEP_UP), (req, res) => {
    res.json({ subject: req.auth?.subject })
  })
  api.post(at('/api/notes'), requireScopes('notes:write'), (req, res) => {
    res.status(201).json({ subject: req.auth?.subject })
  })
  api.post(at('/api/read'), requireScopes('notes:read'), (req, res) => {
    res.json({ subject: req.auth?.subject, note: (req.body as Record<string, unknown>).note })
  })
  if (variant.mounted) app.use('/api', api as express.Router)
  app.get(rs.metadataPath, protectedResourceMetadata(rs))
  if (variant.failure === 'resourceErrorHandler') app.use(resourceErrorHandler())
  if (variant.failure === 'own error handler') app.use(ownErrorHandler)
  const server = await new Promise<Server>((resolve) => {
    const http = app.listen(0, '127.0.0.1', () => resolve(http))
  })
  server.on('clientError', answerClientError)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) }
}

async function startFastify(rs: ResourceServer, prefixed: boolean): Promise<Running> {
  const { requireScopes, requireAccess, protectedResourceMetadata, addFormBodyParser } = fastifyResource
  const app = Fastify()
  addFormBodyParser(app)
  // Prefixed: the routes in a plugin registered with `prefix: '/api'`, so their own paths drop it.
  const at = (path: string) => (prefixed ? path.slice('/api'.length) : path)
  await app.register(async (api) => {
    api.get(at('/api/notes'), { preHandler: requireScopes(rs, 'notes:read') }, async (request) => {
      const { subject, clientId, scopes, actor } = request.principal ?? { subject: undefined, clientId: undefined, scopes: undefined, actor: undefined }
      return { subject, clientId, scopes, actor: actor ?? null }
    })
    api.get(at('/api/step-up'), { preHandler: requireAccess(rs, STEP_UP) }, async (request) => ({ subject: request.principal?.subject }))
    api.post(at('/api/notes'), { preHandler: requireScopes(rs, 'notes:write') }, async (request, reply) => {
      return reply.code(201).send({ subject: request.principal?.subject })
    })
    api.post(at('/api/read'), { preHandler: requireScopes(rs, 'notes:read') }, async (request) => {
      return { subject: request.principal?.subject, note: (request.body as Record<string, unknown>).note }
    })
  }, prefixed ? { prefix: '/api' } : {})
  app.get(rs.metadataPath, protectedResourceMetadata(rs))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() }
}

/** Every middleware variant the table runs against; Fastify's and Hono's plugin forms join here. */
const frameworks: [string, (rs: ResourceServer) => Promise<Running>][] = [
  ['hono', (rs) => startHono(rs, false)],
  ['hono after a middleware that parsed the form', (rs) => startHono(rs, true)],
  ['hono, routes on a sub-app under /api', (rs) => startHono(rs, false, true)],
  ['express requireAuth, next(err) to resourceErrorHandler()', (rs) => startExpress(rs, { failure: 'resourceErrorHandler' })],
  ['express with express.urlencoded(), resourceErrorHandler()', (rs) => startExpress(rs, { failure: 'resourceErrorHandler', parseForms: true })],
  ["express, the app's own error handler", (rs) => startExpress(rs, { failure: 'own error handler' })],
  ['express, routes on a router mounted at /api', (rs) => startExpress(rs, { failure: 'resourceErrorHandler', mounted: true })],
  ['express requireScopes/requireAccess answering refusals (deprecated)', (rs) => startExpress(rs, { failure: 'respond', parseForms: true })],
  ['fastify', (rs) => startFastify(rs, false)],
  ['fastify, routes in a plugin under the /api prefix', (rs) => startFastify(rs, true)],
  ...nativeResourceAdapters,
]

let as: FakeAuthorizationServer
let tokens: ScenarioTokens
let dpopTokens: DpopTokens

beforeAll(async () => {
  const key = generateKey('ES256')
  as = await new FakeAuthorizationServer().start()
  as.jwks = { keys: [key.publicJwk] }
  tokens = scenarioTokens(key, as.url)
  const [K1, K2] = [await dpopKey(), await dpopKey()]
  dpopTokens = { K1, K2, bound: accessToken(key, as.url, { cnf: { jkt: K1.jkt } }), unbound: accessToken(key, as.url) }
})
afterAll(async () => {
  await as.close()
})

describe.each(frameworks)('%s', (_framework, start) => {
  let app: Running
  beforeAll(async () => {
    const rs = createResourceServer({
      issuer: as.url,
      audience: AUDIENCE,
      realm: 'notes',
    })
    app = await start(rs)
  })
  afterAll(async () => {
    await app.close()
  })

  it.each(scenarios)('$name → $expect.status', async (scenario) => {
    const answer = await send(app.url, scenario.request(tokens))
    expect(answer.status, answer.body).toBe(scenario.expect.status)
    const challenge = answer.headers['www-authenticate']
    if (scenario.expect.challenge === null) expect(challenge).toBeUndefined()
    else expect(challenge).toMatch(scenario.expect.challenge)
    if (scenario.expect.json) expect(JSON.parse(answer.body)).toMatchObject(scenario.expect.json)
    expect(answer.body).not.toMatch(/\bat \S+:\d+:\d+/)
  })
})

describe.each(frameworks)('%s with DPoP', (_framework, start) => {
  let app: Running
  beforeAll(async () => {
    app = await start(createResourceServer({ issuer: as.url, audience: AUDIENCE, realm: 'notes', dpop: {} }))
  })
  afterAll(async () => {
    await app.close()
  })

  it.each(dpopScenarios)('$name → $expect.status', async (scenario) => {
    const answer = await send(app.url, await scenario.request(dpopTokens))
    expect(answer.status, answer.body).toBe(scenario.expect.status)
    const challenge = answer.headers['www-authenticate']
    if (scenario.expect.challenge === null) expect(challenge).toBeUndefined()
    else expect(challenge).toMatch(scenario.expect.challenge)
    if (scenario.expect.json) expect(JSON.parse(answer.body)).toMatchObject(scenario.expect.json)
    expect(answer.body).not.toMatch(/\bat \S+:\d+:\d+/)
  })

  it('DP-01 a proof is accepted once; of 10 parallel uses exactly one succeeds', async () => {
    const { K1, bound } = dpopTokens
    const request = async () => ({ method: 'GET' as const, path: '/api/notes', headers: [['authorization', `DPoP ${bound}`], ['dpop', await dpopProof(K1, { htm: 'GET', htu: `${EXTERNAL}/api/notes`, accessToken: bound })]] as [string, string][] })
    const once = await request()
    expect((await send(app.url, once)).status).toBe(200)
    expect((await send(app.url, once)).status).toBe(401)
    const parallel = await request()
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(app.url, parallel)))
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1)
  })
})
