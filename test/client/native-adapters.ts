/**
 * The Hono middleware and the Fastify plugin of `tessera-oidc/client` as entries of the client adapter table
 * (adapters.test.ts): the context comes from `c.var` / `request`, the plugin's own form parser reads
 * `form_post` callbacks, cookies are written by the middleware after `next()` / the plugin's onSend hook,
 * and the routes are also mounted under a prefix.
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { Hono, type Context } from 'hono'
import { sendFastifyRedirect, tesseraClient as fastifyTesseraClient } from '../../src/adapters/fastify-client.js'
import { honoRedirect, tesseraClient as honoTesseraClient, type ClientEnv } from '../../src/adapters/hono-client.js'
import type { ClientContext } from '../../src/client/context.js'
import type { OAuth } from '../../src/client/oauth.js'

interface Running {
  origin: string
  close(): Promise<void>
}

type Route = 'login' | 'callback' | 'me'
type Handler = (ctx: ClientContext, route: Route, provider: string) => Promise<{ redirect?: string; status?: number; body?: string }>

/** `tesseraClient` on a Hono app; `prefix`: the routes on a sub-app under `app.route(prefix, …)`. */
function startHonoMiddleware(prefix: string) {
  return async (handle: Handler, oauth: OAuth): Promise<Running> => {
    const routes = new Hono<ClientEnv>()
    routes.use(honoTesseraClient(oauth))
    const route = (name: Route) => async (c: Context<ClientEnv>) => {
      const result = await handle(c.var.clientContext, name, c.req.param('provider') ?? '')
      if (result.redirect) return honoRedirect(c, { status: 303, location: result.redirect })
      return c.text(result.body ?? '', (result.status ?? 200) as 200)
    }
    routes.get('/login/:provider', route('login'))
    routes.on(['GET', 'POST'], '/cb/:provider', route('callback'))
    routes.get('/me', route('me'))
    const app = prefix ? new Hono().route(prefix, routes) : routes
    return new Promise((resolve) => {
      const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
        resolve({ origin: `http://127.0.0.1:${info.port}${prefix}`, close: () => new Promise((done) => http.close(() => done())) }),
      )
    })
  }
}

/** The `tesseraClient` plugin at the root; the routes in a scope registered with `{ prefix }`. */
function startFastifyPlugin(prefix: string) {
  return async (handle: Handler, oauth: OAuth): Promise<Running> => {
    const app = Fastify()
    await app.register(fastifyTesseraClient, { oauth })
    await app.register(
      async (scope) => {
        const route = (name: Route) => async (request: FastifyRequest, reply: FastifyReply) => {
          const result = await handle(request.clientContext, name, (request.params as { provider?: string }).provider ?? '')
          if (result.redirect) return sendFastifyRedirect(reply, { status: 303, location: result.redirect })
          return reply.code(result.status ?? 200).type('text/plain').send(result.body ?? '')
        }
        scope.get('/login/:provider', route('login'))
        scope.route({ method: ['GET', 'POST'], url: '/cb/:provider', handler: route('callback') })
        scope.get('/me', route('me'))
      },
      { prefix },
    )
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    return { origin: `${address}${prefix}`, close: () => app.close() }
  }
}

/** Entries for the `describe.each` list of adapters.test.ts, which passes the `OAuth` as second argument. */
export const nativeClientAdapters: { framework: string; start: (handle: Handler, oauth: OAuth) => Promise<Running> }[] = [
  { framework: 'hono middleware (tesseraClient)', start: startHonoMiddleware('') },
  { framework: 'hono middleware under app.route("/auth")', start: startHonoMiddleware('/auth') },
  { framework: 'fastify plugin (tesseraClient)', start: startFastifyPlugin('') },
  { framework: 'fastify plugin, routes under the prefix /auth', start: startFastifyPlugin('/auth') },
]
