import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { Hono, type Context } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyExpressCookies, expressClientContext, sendExpressRedirect, tesseraClient } from '../../src/adapters/express-client.js'
import { applyFastifyCookies, fastifyClientContext, sendFastifyRedirect } from '../../src/adapters/fastify-client.js'
import { applyHonoCookies, honoClientContext, honoRedirect } from '../../src/adapters/hono-client.js'
import type { ClientContext } from '../../src/client/context.js'
import { isClientError } from '../../src/client/errors.js'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth, type OAuth } from '../../src/client/oauth.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { startEvilProvider, type EvilProvider } from './evil-provider.js'
import { nativeClientAdapters } from './native-adapters.js'

/**
 * One scenario table run against every framework adapter: each app has the same routes, written with that
 * framework's adapter, and the same browser-level expectations must hold.
 */

interface Running {
  origin: string
  close(): Promise<void>
}

type Handler = (ctx: ClientContext, route: 'login' | 'callback' | 'me', provider: string) => Promise<{ redirect?: string; status?: number; body?: string }>

function handlerFor(oauth: OAuth, origin: () => string): Handler {
  return async (ctx, route, provider) => {
    try {
      if (route === 'login') return { redirect: (await oauth.authorizeRedirect(ctx, provider, `${origin()}/cb/${provider}`, { returnTo: ctx.url.searchParams.get('returnTo') ?? '/' })).location }
      if (route === 'callback') return { redirect: (await oauth.authorizeAccessToken(ctx, provider)).returnTo }
      const user = await oauth.currentUser(ctx)
      return user ? { status: 200, body: user.sub } : { status: 401, body: 'no' }
    } catch (error) {
      if (!isClientError(error)) throw error
      return { status: 400, body: error.code }
    }
  }
}

async function startHono(handle: Handler): Promise<Running> {
  const app = new Hono()
  const route = (name: 'login' | 'callback' | 'me') => async (c: Context) => {
    const ctx = await honoClientContext(c)
    const result = await handle(ctx, name, c.req.param('provider') ?? '')
    if (result.redirect) return honoRedirect(c, ctx, { status: 303, location: result.redirect })
    applyHonoCookies(c, ctx)
    return c.text(result.body ?? '', (result.status ?? 200) as 200)
  }
  app.get('/login/:provider', route('login'))
  app.on(['GET', 'POST'], '/cb/:provider', route('callback'))
  app.get('/me', route('me'))
  return new Promise((resolve) => {
    const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ origin: `http://127.0.0.1:${info.port}`, close: () => new Promise((done) => http.close(() => done())) }),
    )
  })
}

async function startExpress(handle: Handler): Promise<Running> {
  const app = express()
  const route = (name: 'login' | 'callback' | 'me') => async (req: express.Request, res: express.Response) => {
    const ctx = await expressClientContext(req)
    const result = await handle(ctx, name, String(req.params.provider ?? ''))
    if (result.redirect) return sendExpressRedirect(res, ctx, { status: 303, location: result.redirect })
    applyExpressCookies(res, ctx)
    res.status(result.status ?? 200).type('text/plain').send(result.body ?? '')
  }
  app.get('/login/:provider', route('login'))
  app.get('/cb/:provider', route('callback'))
  app.post('/cb/:provider', route('callback'))
  app.get('/me', route('me'))
  return new Promise((resolve) => {
    const http = app.listen(0, '127.0.0.1', () =>
      resolve({ origin: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, close: () => new Promise((done) => http.close(() => done())) }),
    )
  })
}

function listenExpress(app: express.Express): Promise<Running> {
  return new Promise((resolve) => {
    const http = app.listen(0, '127.0.0.1', () =>
      resolve({ origin: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, close: () => new Promise((done) => http.close(() => done())) }),
    )
  })
}

/**
 * Express behind `app.use(tesseraClient(oauth))`: no route builds a context or writes a cookie. The login route
 * even answers with plain `res.redirect`, as a route that forgets the cookies would; the callback uses
 * `sendExpressRedirect(res, redirect)` for its `no-store` and `Referrer-Policy`; /me asks `req.currentUser()`.
 */
async function startExpressMiddleware(handle: Handler, oauth: OAuth): Promise<Running> {
  const app = express()
  app.use(tesseraClient(oauth))
  const route = (name: 'login' | 'callback' | 'me') => async (req: express.Request, res: express.Response) => {
    if (name === 'me') {
      const user = await req.currentUser()
      return res.status(user ? 200 : 401).type('text/plain').send(user ? user.sub : 'no')
    }
    const result = await handle(req.clientContext, name, String(req.params.provider ?? ''))
    if (result.redirect && name === 'login') return res.set('Cache-Control', 'no-store').redirect(303, result.redirect)
    if (result.redirect) return sendExpressRedirect(res, result.redirect)
    res.status(result.status ?? 200).type('text/plain').send(result.body ?? '')
  }
  app.get('/login/:provider', route('login'))
  app.get('/cb/:provider', route('callback'))
  app.post('/cb/:provider', route('callback'))
  app.get('/me', route('me'))
  return listenExpress(app)
}

async function startFastify(handle: Handler): Promise<Running> {
  const app = Fastify()
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body))
  const route = (name: 'login' | 'callback' | 'me') => async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = fastifyClientContext(request)
    const result = await handle(ctx, name, (request.params as { provider?: string }).provider ?? '')
    if (result.redirect) return sendFastifyRedirect(reply, ctx, { status: 303, location: result.redirect })
    applyFastifyCookies(reply, ctx)
    return reply.code(result.status ?? 200).type('text/plain').send(result.body ?? '')
  }
  app.get('/login/:provider', route('login'))
  app.route({ method: ['GET', 'POST'], url: '/cb/:provider', handler: route('callback') })
  app.get('/me', route('me'))
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  return { origin: address, close: () => app.close() }
}

let evil: EvilProvider
beforeAll(async () => {
  evil = await startEvilProvider()
})
afterAll(async () => {
  await evil?.close()
})

describe.each([
  { framework: 'hono', start: startHono },
  { framework: 'express', start: startExpress },
  { framework: 'express with tesseraClient(oauth)', start: startExpressMiddleware },
  { framework: 'fastify', start: startFastify },
  ...nativeClientAdapters,
])('client adapter: $framework', ({ start }) => {
  let running: Running
  beforeAll(async () => {
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: 'adapter-test-secret-0123456789-abcdefg', logger: { warn: () => undefined, info: () => undefined } })
    const common = { issuer: evil.url, allowInsecureLoopback: true, clientId: evil.clientId, clientSecret: evil.clientSecret, scope: 'openid email' }
    oauth.register({ name: 'evil', ...common })
    oauth.register({ name: 'apple', preset: 'apple', ...common })
    let origin = ''
    running = await start(handlerFor(oauth, () => origin), oauth)
    origin = running.origin
  })
  afterAll(async () => {
    await running?.close()
  })

  it('logs in over the query callback; cookies and redirect headers are written', async () => {
    const browser = new Browser()
    const login = await browser.get(`${running.origin}/login/evil?returnTo=%2Fhome`)
    expect(login.status).toBe(303)
    expect(login.headers.get('cache-control')).toBe('no-store')
    expect(login.headers.getSetCookie()).toHaveLength(1)
    expect(login.headers.getSetCookie()[0]).toMatch(/^tessera-rp-tx=.+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600$/)
    const callback = (await browser.get(login.headers.get('location') ?? '')).headers.get('location') ?? ''
    const done = await browser.get(callback)
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe('/home')
    expect(done.headers.get('referrer-policy')).toBe('no-referrer')
    expect(done.headers.getSetCookie().some((cookie) => cookie.startsWith('tessera-rp-session='))).toBe(true)
    const me = await browser.get(`${running.origin}/me`)
    expect(me.status).toBe(200)
    expect(await me.text()).toBe('evil-user-1')
  })

  it('logs in over a form_post callback', async () => {
    const browser = new Browser()
    const login = await browser.get(`${running.origin}/login/apple`)
    const form = parseForm(await (await browser.get(login.headers.get('location') ?? '')).text())
    const done = await browser.post(form.action, form.fields)
    expect(done.status).toBe(303)
    expect((await browser.get(`${running.origin}/me`)).status).toBe(200)
  })

  it('answers a forged callback with the typed error and clears nothing it should keep', async () => {
    const browser = new Browser()
    const response = await browser.get(`${running.origin}/cb/evil?code=x&state=y`)
    expect(response.status).toBe(400)
    expect(await response.text()).toBe('transaction_missing')
  })
})

describe('express: tesseraClient(oauth) writes the cookies however the route answers', () => {
  let running: Running
  const COOKIE = 'tessera-rp-tx=abc; Path=/; HttpOnly; SameSite=Lax'
  beforeAll(async () => {
    const app = express()
    app.use(tesseraClient(createOAuth({ store: createMemoryClientStore(), secret: 'adapter-test-secret-0123456789-abcdefg' })))
    // Cookies added after an await, as the relying party adds them, then the route answers in its own way.
    const later = async (req: express.Request) => {
      await new Promise((resolve) => setImmediate(resolve))
      req.clientContext.cookies.push(COOKIE)
    }
    app.get('/write-head', async (req, res) => {
      await later(req)
      res.writeHead(200, { 'Set-Cookie': 'own=1; Path=/', 'Content-Type': 'text/plain' }).end('ok')
    })
    app.get('/write-head-list', async (req, res) => {
      await later(req)
      res.writeHead(200, 'OK', ['Set-Cookie', 'own=1; Path=/', 'Set-Cookie', 'own2=2; Path=/']).end('ok')
    })
    app.get('/stream', async (req, res) => {
      await later(req)
      res.write('part one, ')
      res.end('part two')
    })
    app.get('/old-helper-too', async (req, res) => {
      await later(req)
      applyExpressCookies(res, req.clientContext)
      res.send('ok')
    })
    app.get('/none', (_req, res) => {
      res.send('no cookie')
    })
    app.post('/form', (req, res) => {
      res.json({ body: req.body as unknown, callbackForm: req.clientContext.body?.get('state') ?? null })
    })
    running = await listenExpress(app)
  })
  afterAll(async () => {
    await running?.close()
  })

  const cookiesOf = async (path: string) => (await fetch(`${running.origin}${path}`)).headers.getSetCookie()

  it('res.writeHead with a Set-Cookie of its own keeps both', async () => {
    expect(await cookiesOf('/write-head')).toEqual(['own=1; Path=/', COOKIE])
    expect(await cookiesOf('/write-head-list')).toEqual(['own=1; Path=/', 'own2=2; Path=/', COOKIE])
  })

  it('a streamed answer carries them (res.write sends the headers)', async () => {
    const response = await fetch(`${running.origin}/stream`)
    expect(response.headers.getSetCookie()).toEqual([COOKIE])
    expect(await response.text()).toBe('part one, part two')
  })

  it('applyExpressCookies as well writes each cookie once', async () => {
    expect(await cookiesOf('/old-helper-too')).toEqual([COOKIE])
  })

  it('a route whose context set no cookie answers without Set-Cookie', async () => {
    expect(await cookiesOf('/none')).toEqual([])
  })

  it('reads a form_post body for the context and leaves it parsed in req.body', async () => {
    const response = await fetch(`${running.origin}/form`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'state=s1&code=c1' })
    expect(await response.json()).toEqual({ body: { state: 's1', code: 'c1' }, callbackForm: 's1' })
  })

  it('a form body over 64 KiB goes to next(err) as 413, without a stack trace', async () => {
    const response = await fetch(`${running.origin}/form`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `state=${'a'.repeat(70 * 1024)}` })
    expect(response.status).toBe(413)
    expect(await response.text()).not.toMatch(/\bat \S+:\d+:\d+/)
  })
})
