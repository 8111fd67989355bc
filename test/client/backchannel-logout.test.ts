/**
 * The relying party's back-channel logout endpoint (`oauth.backchannelLogout`): logout token validation
 * (OpenID Connect Back-Channel Logout 1.0 §2.6, catalogue RP-17) and endpoint hygiene (BL-06), against a
 * provider whose signing key the test holds.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { expressBackchannelLogout } from '../../src/adapters/express-client.js'
import { serve } from '@hono/node-server'
import { fastifyBackchannelLogout, tesseraClient as fastifyTesseraClient } from '../../src/adapters/fastify-client.js'
import { honoBackchannelLogout, tesseraClient as honoTesseraClient } from '../../src/adapters/hono-client.js'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth, type OAuth } from '../../src/client/oauth.js'
import type { RelyingPartyStore } from '../../src/client/store.js'
import { session, NOW } from './store-contract.js'

const EVENT = 'http://schemas.openid.net/event/backchannel-logout'
const CLIENT_ID = 'bclrp'
const SECRET = 'backchannel-logout-rp-secret-0123456789abcdef'
const ENDPOINT = 'http://127.0.0.1:5000/backchannel-logout'

let http: Server
let issuer: string
let privateKey: CryptoKey
let jwksFetches = 0
let store: RelyingPartyStore
let oauth: OAuth

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true })
  privateKey = pair.privateKey
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
  http = createServer((req, res) => {
    if (req.url === '/jwks') {
      jwksFetches++
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }))
      return
    }
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
        backchannel_logout_supported: true, backchannel_logout_session_supported: true,
      }))
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
})

afterAll(async () => {
  http?.closeAllConnections()
  await new Promise((resolve) => http?.close(resolve))
})

beforeEach(async () => {
  store = createMemoryClientStore()
  oauth = createOAuth({ store, secret: SECRET })
  oauth.register({ name: 'op', issuer, clientId: CLIENT_ID, clientSecret: 'x', scope: 'openid', allowInsecureLoopback: true })
  await store.sessions.save(session('alice-1', { provider: 'op', issuer, subject: 'alice', sid: 'sid-1' }))
  await store.sessions.save(session('alice-2', { provider: 'op', issuer, subject: 'alice', sid: 'sid-2' }))
  await store.sessions.save(session('bob-1', { provider: 'op', issuer, subject: 'bob', sid: 'sid-b' }))
})

let counter = 0
function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000)
  const base: Record<string, unknown> = { iss: issuer, aud: CLIENT_ID, iat: now, exp: now + 120, jti: `jti-${++counter}`, events: { [EVENT]: {} }, sub: 'alice', sid: 'sid-1' }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[name]
    else base[name] = value
  }
  return base as JWTPayload
}

async function sign(payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'logout+jwt', ...header }).sign(privateKey)
}

function unsigned(payload: JWTPayload): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'none', typ: 'logout+jwt' })}.${part(payload)}.`
}

function post(token: string, headers: Record<string, string> = {}): Request {
  return new Request(ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ logout_token: token }).toString() })
}

async function alive(key: string): Promise<boolean> {
  return (await store.sessions.get(key, NOW)) !== undefined
}

async function expectRefused(response: Response, status = 400): Promise<void> {
  expect(response.status).toBe(status)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(((await response.json()) as { error: string }).error).toBe('invalid_request')
  expect(await alive('alice-1')).toBe(true)
}

describe('oauth.backchannelLogout: logout token validation', () => {
  it('ends the provider session a valid logout token names (sid), and only that one', async () => {
    const response = await oauth.backchannelLogout(post(await sign(claims())))
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await alive('alice-1')).toBe(false)
    expect(await alive('alice-2')).toBe(true)
    expect(await alive('bob-1')).toBe(true)
  })

  it('ends every session of the user for a token naming only sub', async () => {
    expect((await oauth.backchannelLogout(post(await sign(claims({ sid: undefined }))))).status).toBe(200)
    expect([await alive('alice-1'), await alive('alice-2'), await alive('bob-1')]).toEqual([false, false, true])
  })

  it('RP-17 refuses alg none, a wrong aud, a wrong iss, a missing or wrong event, a nonce, a wrong typ, and keeps the session', async () => {
    await expectRefused(await oauth.backchannelLogout(post(unsigned(claims()))))
    await expectRefused(await oauth.backchannelLogout(post(await sign(claims({ aud: 'other-client' })))))
    await expectRefused(await oauth.backchannelLogout(post(await sign(claims({ iss: 'http://127.0.0.1:1' })))))
    await expectRefused(await oauth.backchannelLogout(post(await sign(claims({ events: undefined })))))
    await expectRefused(await oauth.backchannelLogout(post(await sign(claims({ events: { 'http://schemas.openid.net/event/other': {} } })))))
    await expectRefused(await oauth.backchannelLogout(post(await sign(claims({ nonce: 'n-1' })))))
    await expectRefused(await oauth.backchannelLogout(post(await sign(claims(), { typ: 'JWT' }))))
    await expectRefused(await oauth.backchannelLogout(post(await sign(claims({ sub: undefined, sid: undefined })))))
    await expectRefused(await oauth.backchannelLogout(post(await sign(claims({ exp: Math.floor(Date.now() / 1000) - 600, iat: Math.floor(Date.now() / 1000) - 700 })))))
    await expectRefused(await oauth.backchannelLogout(post(`${(await sign(claims())).slice(0, -4)}AAAA`)))
  })

  it('RP-17 refuses a replayed jti, also after the session it named is gone', async () => {
    const token = await sign(claims())
    expect((await oauth.backchannelLogout(post(token))).status).toBe(200)
    await store.sessions.save(session('alice-1', { provider: 'op', issuer, subject: 'alice', sid: 'sid-1' }))
    await expectRefused(await oauth.backchannelLogout(post(token)))
  })
})

describe('oauth.backchannelLogout: endpoint hygiene (BL-06)', () => {
  it('BL-06 refuses a GET or a token in the URL and ends no session', async () => {
    const token = await sign(claims())
    const get = await oauth.backchannelLogout(new Request(`${ENDPOINT}?logout_token=${token}`))
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    await expectRefused(await oauth.backchannelLogout(new Request(`${ENDPOINT}?logout_token=${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })))
  })

  it('BL-06 refuses a JSON body and an oversized one', async () => {
    const token = await sign(claims())
    await expectRefused(await oauth.backchannelLogout(new Request(ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ logout_token: token }) })))
    const huge = `${token}${'A'.repeat(1024 * 1024)}`
    const response = await oauth.backchannelLogout(post(huge))
    expect(response.status).toBe(413)
    expect(await alive('alice-1')).toBe(true)
  })

  it('BL-06 accepts a valid cookie-less POST from a foreign origin (the token is the authentication), with no-store and no CORS headers', async () => {
    const response = await oauth.backchannelLogout(post(await sign(claims()), { origin: 'https://elsewhere.example' }))
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([])
    expect(await alive('alice-1')).toBe(false)
  })

  it('BL-06 answers 100 garbage tokens with unknown kids with 400, fetching the JWKS at most twice', async () => {
    // A fresh relying party: its key cache starts empty.
    const fresh = createOAuth({ store, secret: SECRET })
    fresh.register({ name: 'op', issuer, clientId: CLIENT_ID, clientSecret: 'x', scope: 'openid', allowInsecureLoopback: true })
    const before = jwksFetches
    for (let n = 0; n < 100; n++) {
      const response = await fresh.backchannelLogout(post(await sign(claims(), { kid: `random-${n}` })))
      expect(response.status).toBe(400)
    }
    expect(jwksFetches - before).toBeLessThanOrEqual(2)
    expect(await alive('alice-1')).toBe(true)
  })
})

describe('the framework routes of the receiver', () => {
  async function honoApp(): Promise<(request: Request) => Promise<Response>> {
    const app = new Hono()
    app.post('/backchannel-logout', honoBackchannelLogout(oauth))
    return async (request) => app.request(request)
  }

  async function fastifyApp(): Promise<(request: Request) => Promise<Response>> {
    const app = Fastify()
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body))
    app.post('/backchannel-logout', fastifyBackchannelLogout(oauth))
    return async (request) => {
      const answer = await app.inject({ method: 'POST', url: '/backchannel-logout', headers: Object.fromEntries(request.headers), payload: await request.text() })
      return new Response(answer.body === '' ? null : answer.body, { status: answer.statusCode, headers: answer.headers as Record<string, string> })
    }
  }

  async function expressApp(): Promise<(request: Request) => Promise<Response>> {
    const app = express()
    app.post('/backchannel-logout', expressBackchannelLogout(oauth))
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
    })
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return async (request) => {
      const answer = await fetch(`${origin}/backchannel-logout`, { method: 'POST', headers: request.headers, body: await request.text() })
      server.closeAllConnections()
      server.close()
      return answer
    }
  }

  /**
   * Behind the client middleware, which reads the form first, and optionally after an app middleware that
   * consumed the body through c.req (Hono keeps a copy); over real HTTP, so the body has a length.
   */
  async function honoMiddlewareApp(parseFirst: boolean): Promise<(request: Request) => Promise<Response>> {
    const app = new Hono()
    if (parseFirst) {
      app.use(async (c, next) => {
        await c.req.parseBody()
        await next()
      })
    }
    app.use(honoTesseraClient(oauth))
    app.post('/backchannel-logout', honoBackchannelLogout(oauth))
    const server = await new Promise<Server>((resolve) => {
      const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(listening as Server))
    })
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return async (request) => {
      const answer = await fetch(`${origin}/backchannel-logout`, { method: 'POST', headers: request.headers, body: await request.text() })
      server.closeAllConnections()
      server.close()
      return answer
    }
  }

  /** With the client plugin's own form parser (no parser of the app's). */
  async function fastifyPluginApp(): Promise<(request: Request) => Promise<Response>> {
    const app = Fastify()
    await app.register(fastifyTesseraClient, { oauth })
    app.post('/backchannel-logout', fastifyBackchannelLogout(oauth))
    const origin = await app.listen({ port: 0, host: '127.0.0.1' })
    return async (request) => {
      const answer = await fetch(`${origin}/backchannel-logout`, { method: 'POST', headers: request.headers, body: await request.text() })
      await app.close()
      return answer
    }
  }

  const frameworks = [
    ['Hono', honoApp],
    ['Express', expressApp],
    ['Fastify', fastifyApp],
    ['Hono behind tesseraClient', () => honoMiddlewareApp(false)],
    ['Hono behind tesseraClient and a middleware that parsed the form', () => honoMiddlewareApp(true)],
    ['Fastify with the tesseraClient plugin', fastifyPluginApp],
  ] as const
  for (const [name, start] of frameworks) {
    it(`BL-06 ${name}: a valid token ends the session (200, no-store); a replay is a 400 invalid_request`, async () => {
      const send = await start()
      const token = await sign(claims())
      const ok = await send(post(token))
      expect(ok.status).toBe(200)
      expect(ok.headers.get('cache-control')).toBe('no-store')
      expect(await alive('alice-1')).toBe(false)
      await store.sessions.save(session('alice-1', { provider: 'op', issuer, subject: 'alice', sid: 'sid-1' }))
      const replay = await (await start())(post(token))
      expect(replay.status).toBe(400)
      expect(((await replay.json()) as { error: string }).error).toBe('invalid_request')
      expect(await alive('alice-1')).toBe(true)
    })
  }
})
