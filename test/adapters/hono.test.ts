/**
 * The Hono middleware as Hono apps use them, over real HTTP: refusals reach `app.onError` as
 * `HTTPException`s carrying the exact challenge, and the client middleware writes its cookies after the
 * handler, whatever answered. The shared scenario tables (test/resource/adapters.test.ts,
 * test/client/adapters.test.ts) run the same middleware through every protection and login case.
 */
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { honoRedirect, tesseraClient, type ClientEnv } from '../../src/adapters/hono-client.js'
import { requireAuth } from '../../src/adapters/hono-resource.js'
import type { OAuth } from '../../src/client/oauth.js'
import type { EvilProvider } from '../client/evil-provider.js'
import type { FakeAuthorizationServer } from '../resource/fixtures.js'
import { expectLoginWritesCookies, startEvilLogin, startNotesIssuer } from './harness.js'

interface Running {
  origin: string
  close(): Promise<void>
}

function listen(app: Hono<ClientEnv> | Hono): Promise<Running> {
  return new Promise((resolve) => {
    const http: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ origin: `http://127.0.0.1:${info.port}`, close: () => new Promise((done) => http.close(() => done())) }),
    )
  })
}

describe('requireAuth', () => {
  let as: FakeAuthorizationServer
  let read: string
  let app: Running
  const seen: unknown[] = []

  beforeAll(async () => {
    const issuer = await startNotesIssuer()
    ;({ as, read } = issuer)
    const { rs } = issuer
    const hono = new Hono()
    hono.get('/api/notes', requireAuth(rs, { scopes: ['notes:read'] }), (c) => c.json({ subject: c.var.auth.subject }))
    hono.get('/api/admin', requireAuth(rs, { scopes: ['notes:admin'] }), (c) => c.json({ subject: c.var.auth.subject }))
    const custom = new Hono()
    custom.get('/notes', requireAuth(rs, { scopes: ['notes:read'] }), (c) => c.json({ subject: c.var.auth.subject }))
    // An app that renders refusals its own way, keeping the challenge: what app.onError is for.
    custom.onError((error, c) => {
      seen.push(error)
      if (!(error instanceof HTTPException)) return c.text('Internal Server Error', 500)
      const challenge = error.res?.headers.get('www-authenticate')
      if (challenge) c.header('WWW-Authenticate', challenge)
      return c.json({ problem: error.message }, error.status)
    })
    hono.route('/custom', custom)
    app = await listen(hono)
  })
  afterAll(async () => {
    await app?.close()
    await as?.close()
  })

  it('puts the principal in c.var.auth', async () => {
    const answer = await fetch(`${app.origin}/api/notes`, { headers: { authorization: `Bearer ${read}` } })
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ subject: 'alice' })
  })

  it("answers with Hono's default error handler exactly the RFC 6750 challenge and body", async () => {
    const answer = await fetch(`${app.origin}/api/admin`, { headers: { authorization: `Bearer ${read}` } })
    expect(answer.status).toBe(403)
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="notes", error="insufficient_scope", error_description="[^"]+", scope="notes:admin", resource_metadata="/)
    expect(answer.headers.get('cache-control')).toBe('no-store')
    expect(await answer.json()).toMatchObject({ error: 'insufficient_scope' })
    const bare = await fetch(`${app.origin}/api/notes`)
    expect(bare.status).toBe(401)
    expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer realm="notes", scope="notes:read", resource_metadata="/)
    expect(await bare.text()).toBe('')
  })

  it('hands a refusal to app.onError as an HTTPException carrying the challenge response', async () => {
    seen.length = 0
    const answer = await fetch(`${app.origin}/custom/notes`, { headers: { authorization: 'Bearer not-a-jwt' } })
    expect(answer.status).toBe(401)
    // The exception's message is the refusal's client-safe description, the one the challenge carries.
    const { problem } = (await answer.json()) as { problem: string }
    expect(problem).not.toBe('')
    expect(answer.headers.get('www-authenticate')).toContain(`Bearer realm="notes", error="invalid_token", error_description="${problem}"`)
    expect(seen).toHaveLength(1)
    const [error] = seen
    expect(error).toBeInstanceOf(HTTPException)
    expect((error as HTTPException).status).toBe(401)
    expect((error as HTTPException).res?.status).toBe(401)
  })
})

describe('tesseraClient', () => {
  let evil: EvilProvider
  let oauth: OAuth
  let app: Running

  beforeAll(async () => {
    ;({ evil, oauth } = await startEvilLogin('hono-adapter-test-secret-0123456789-abcd'))
    const hono = new Hono<ClientEnv>()
    let origin = ''
    hono.use(tesseraClient(oauth))
    // The route answers with plain c.json: the middleware alone writes the transaction cookie.
    hono.get('/login-json', async (c) => c.json({ location: (await oauth.authorizeRedirect(c.var.clientContext, 'evil', `${origin}/cb`)).location }))
    hono.get('/login-then-fail', async (c) => {
      await oauth.authorizeRedirect(c.var.clientContext, 'evil', `${origin}/cb`)
      throw new Error('the app failed after starting the login')
    })
    hono.get('/cb', async (c) => honoRedirect(c, { status: 303, location: (await oauth.authorizeAccessToken(c.var.clientContext, 'evil')).returnTo }))
    hono.get('/me', async (c) => c.json({ user: (await c.var.currentUser())?.sub ?? null }))
    hono.onError((_error, c) => c.text('something went wrong', 500))
    app = await listen(hono)
    origin = app.origin
  })
  afterAll(async () => {
    await app?.close()
    await evil?.close()
  })

  it('writes the context cookies after the handler, once, though the route never wrote them', async () => {
    await expectLoginWritesCookies(app.origin)
  })

  it("adds the cookies to app.onError's answer too", async () => {
    const answer = await fetch(`${app.origin}/login-then-fail`)
    expect(answer.status).toBe(500)
    expect(await answer.text()).toBe('something went wrong')
    expect(answer.headers.getSetCookie().some((cookie) => cookie.startsWith('tessera-rp-tx='))).toBe(true)
  })
})
