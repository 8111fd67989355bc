/**
 * The authorization server mounted below a path (issuer `http://127.0.0.1:4000/oidc`) in every host the
 * README's "Mounting" section shows — node:http, Express (with and without a body parser before the mount),
 * Fastify, Hono, a Web-standard host through `server.fetch` — each driven over loopback HTTP by the same
 * table: discovery at both well-known URLs, a token request, the RFC error for every malformed request,
 * never a 500.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve, type Http2Bindings, type HttpBindings } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { honoHandler } from '../../src/adapters/hono.js'
import { answerClientError, nodeHandler } from '../../src/adapters/node.js'
import type { AuthorizationServer } from '../../src/server/create-server.js'
import { dynamicRegistration } from '../../src/server/rfc7591/index.js'
import { basic, CLIENTS, createHarness } from '../helpers/server-values.js'
import { sendScenario } from '../resource/scenarios.js'

const ISSUER = 'http://127.0.0.1:4000/oidc'
const RFC8414 = '/.well-known/oauth-authorization-server/oidc'

interface MountRequest {
  method: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
}

interface MountScenario {
  name: string
  request: MountRequest
  expect: {
    status: number
    /** Members the JSON body must have. */
    json?: Record<string, unknown>
    /** Patterns the named response headers must match. */
    headers?: Record<string, RegExp>
  }
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const M2M = { ...FORM, authorization: basic(CLIENTS.m2m.id, CLIENTS.m2m.secret) }
const JSON_TYPE = { 'content-type': 'application/json' }

const scenarios: MountScenario[] = [
  {
    name: 'OpenID Connect discovery below the issuer',
    request: { method: 'GET', path: '/oidc/.well-known/openid-configuration' },
    expect: { status: 200, json: { issuer: ISSUER, token_endpoint: `${ISSUER}/token`, jwks_uri: `${ISSUER}/jwks` } },
  },
  { name: 'RFC 8414 §3.1 metadata, the issuer path after the well-known segment', request: { method: 'GET', path: RFC8414 }, expect: { status: 200, json: { issuer: ISSUER } } },
  { name: 'RFC 8414 metadata below the issuer', request: { method: 'GET', path: '/oidc/.well-known/oauth-authorization-server' }, expect: { status: 200, json: { issuer: ISSUER } } },
  { name: 'the key set', request: { method: 'GET', path: '/oidc/jwks' }, expect: { status: 200, headers: { 'content-type': /^application\/json/ } } },
  {
    name: 'a client-credentials token (form body read by the server)',
    request: { method: 'POST', path: '/oidc/token', headers: M2M, body: 'grant_type=client_credentials&scope=notes%3Aread' },
    expect: { status: 200, json: { token_type: 'Bearer', scope: 'notes:read' }, headers: { 'cache-control': /no-store/ } },
  },
  {
    name: 'RFC 6749 §3.2 a repeated parameter is invalid_request',
    request: { method: 'POST', path: '/oidc/token', headers: M2M, body: 'grant_type=client_credentials&grant_type=client_credentials' },
    expect: { status: 400, json: { error: 'invalid_request' } },
  },
  {
    name: 'a JSON body at the token endpoint is invalid_request',
    request: { method: 'POST', path: '/oidc/token', headers: { ...JSON_TYPE, authorization: M2M.authorization }, body: '{"grant_type":"client_credentials"}' },
    expect: { status: 400, json: { error: 'invalid_request' } },
  },
  {
    name: 'RFC 7591 registration with a JSON body',
    request: { method: 'POST', path: '/oidc/register', headers: JSON_TYPE, body: JSON.stringify({ client_name: 'Mounted', redirect_uris: ['http://127.0.0.1:5000/cb'] }) },
    expect: { status: 201, json: { client_name: 'Mounted' } },
  },
  {
    name: 'RFC 7591 registration with malformed JSON is invalid_client_metadata',
    request: { method: 'POST', path: '/oidc/register', headers: JSON_TYPE, body: '{"client_name": ' },
    expect: { status: 400, json: { error: 'invalid_client_metadata' } },
  },
  {
    name: 'a body over 64 KiB is 413',
    request: { method: 'POST', path: '/oidc/token', headers: M2M, body: `grant_type=client_credentials&pad=${'a'.repeat(70 * 1024)}` },
    expect: { status: 413, json: { error: 'invalid_request' } },
  },
  { name: 'a method the endpoint does not take is 405 with Allow', request: { method: 'PUT', path: '/oidc/token' }, expect: { status: 405, headers: { allow: /^POST$/ } } },
  { name: 'an unknown path below the issuer is 404', request: { method: 'GET', path: '/oidc/nothing-here' }, expect: { status: 404, json: { error: 'invalid_request' } } },
  {
    name: 'a page endpoint answers an unknown client with its HTML error page',
    request: { method: 'GET', path: '/oidc/authorize?client_id=nobody&response_type=code' },
    expect: { status: 400, headers: { 'content-type': /^text\/html/ } },
  },
]

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

async function listening(server: Server): Promise<Running> {
  server.on('clientError', answerClientError)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) }
}

const hosts: [string, (server: AuthorizationServer) => Promise<Running>][] = [
  ['node:http', (server) => listening(createServer(nodeHandler(server, server.issuer)))],
  [
    'Express, app.use("/oidc", nodeHandler)',
    (server) => {
      const app = express()
      app.use('/oidc', nodeHandler(server, server.issuer))
      app.get(RFC8414, nodeHandler(server, server.issuer))
      return listening(createServer(app))
    },
  ],
  [
    'Express, mounted after express.urlencoded()',
    (server) => {
      const app = express()
      app.use(express.urlencoded({ extended: false, limit: '1mb' }))
      app.use('/oidc', nodeHandler(server, server.issuer))
      app.get(RFC8414, nodeHandler(server, server.issuer))
      return listening(createServer(app))
    },
  ],
  [
    'Fastify, the raw request handed over',
    async (server) => {
      const app = Fastify()
      await app.register(async (scope) => {
        scope.removeAllContentTypeParsers()
        scope.addContentTypeParser('*', (_request, _payload, done) => done(null))
        const handler = nodeHandler(server, server.issuer)
        for (const path of ['/oidc/*', RFC8414]) {
          scope.all(path, (request, reply) => {
            reply.hijack()
            handler(request.raw, reply.raw)
          })
        }
      })
      await app.listen({ port: 0, host: '127.0.0.1' })
      app.server.on('clientError', answerClientError)
      return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() }
    },
  ],
  [
    'Hono, honoHandler on /oidc/*',
    (server) => {
      const app = new Hono()
      app.all('/oidc/*', honoHandler(server))
      app.get(RFC8414, honoHandler(server))
      return serveFetch(app.fetch)
    },
  ],
  [
    'Web-standard host, server.fetch',
    (server) => serveFetch((request, env) => server.fetch(request, { remoteAddress: env.incoming.socket.remoteAddress })),
  ],
]

function serveFetch(fetch: (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>): Promise<Running> {
  return new Promise((resolve) => {
    const http = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      ;(http as Server).on('clientError', answerClientError)
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => closeServer(http as Server) })
    })
  })
}

let server: AuthorizationServer
beforeAll(async () => {
  server = (await createHarness({ issuer: ISSUER, capabilities: [dynamicRegistration({ policy: 'open' })] })).server
})

describe.each(hosts)('%s', (_host, start) => {
  let running: Running
  beforeAll(async () => {
    running = await start(server)
  })
  afterAll(async () => {
    await running.close()
  })

  it.each(scenarios)('$name → $expect.status', async (scenario) => {
    const answer = await sendScenario(running.url, scenario.request)
    expect(answer.status, answer.body.slice(0, 300)).toBe(scenario.expect.status)
    if (scenario.expect.json) expect(JSON.parse(answer.body)).toMatchObject(scenario.expect.json)
    for (const [name, pattern] of Object.entries(scenario.expect.headers ?? {})) expect(String(answer.headers[name])).toMatch(pattern)
    expect(answer.body).not.toMatch(/\bat \S+:\d+:\d+/)
  })
})

describe('server.fetch without a socket', () => {
  it('answers a Request with the issuer of its path', async () => {
    const response = await server.fetch(new Request(`${ISSUER}/.well-known/openid-configuration`))
    expect(response.status).toBe(200)
    expect(((await response.json()) as { issuer: string }).issuer).toBe(ISSUER)
  })

  it('refuses a streamed body over the limit with 413 before reading it whole', async () => {
    let pulled = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(new Uint8Array(16 * 1024))
        if (pulled > 1000) controller.close()
      },
    })
    const response = await server.fetch(new Request(`${ISSUER}/token`, { method: 'POST', headers: FORM, body, duplex: 'half' } as RequestInit))
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: 'invalid_request' })
    expect(pulled).toBeLessThan(10)
  })

  it('answers a body that cannot be read with 400 invalid_request', async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('connection reset'))
      },
    })
    const response = await server.fetch(new Request(`${ISSUER}/token`, { method: 'POST', headers: FORM, body, duplex: 'half' } as RequestInit))
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('is a plain function: it needs no `this`', async () => {
    const { fetch } = server
    expect((await fetch(new Request(`${ISSUER}/jwks`))).status).toBe(200)
  })
})
