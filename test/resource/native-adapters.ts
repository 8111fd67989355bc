/**
 * The Hono middleware and the Fastify plugin in their native forms, as entries of the shared scenario table
 * (adapters.test.ts): `requireAuth` throwing `HTTPException`s, `tesseraResource` throwing
 * `ResourceAccessError`s, each behind an error handler that answers exactly and mounted under a prefix.
 * Fastify's default error handler writes its own body (status and challenge stay exact), so it is tested
 * in test/adapters/fastify.test.ts rather than against the table's JSON bodies.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import Fastify, { type FastifyInstance } from 'fastify'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { protectedResourceMetadata as fastifyMetadata, resourceErrorHandler, tesseraResource } from '../../src/adapters/fastify-resource.js'
import { protectedResourceMetadata as honoMetadata, requireAuth } from '../../src/adapters/hono-resource.js'
import { answerClientError } from '../../src/adapters/node.js'
import type { ResourceServer } from '../../src/resource/index.js'

/** RFC 9470 step-up: the route needs a two-factor sign-in within five minutes. */
const STEP_UP = { scopes: ['notes:read'], acrValues: ['urn:tessera:mfa'], maxAge: 300 }

interface Running {
  url: string
  close(): Promise<void>
}

/**
 * `requireAuth`. `mounted`: the routes in a sub-app under `app.route('/api', …)` and an `app.onError` that
 * takes over; otherwise on the app itself, refusals answered by Hono's default error handler.
 */
function startHonoAuth(mounted: boolean) {
  return async (rs: ResourceServer): Promise<Running> => {
    const app = new Hono()
    const api = mounted ? new Hono() : app
    const base = mounted ? '' : '/api'
    api.get(`${base}/notes`, requireAuth(rs, { scopes: ['notes:read'] }), (c) => {
      const { subject, clientId, scopes, actor } = c.var.auth
      return c.json({ subject, clientId, scopes, actor: actor ?? null })
    })
    api.post(`${base}/notes`, requireAuth(rs, { scopes: ['notes:write'] }), (c) => c.json({ subject: c.var.auth.subject }, 201))
    api.get(`${base}/step-up`, requireAuth(rs, STEP_UP), (c) => c.json({ subject: c.var.auth.subject }))
    api.post(`${base}/read`, requireAuth(rs, { scopes: ['notes:read'] }), async (c) => {
      const form = await c.req.parseBody()
      return c.json({ subject: c.var.auth.subject, note: form.note })
    })
    if (mounted) {
      app.route('/api', api)
      app.onError((error, c) => (error instanceof HTTPException ? error.getResponse() : c.text('Internal Server Error', 500)))
    }
    app.get(rs.metadataPath, honoMetadata(rs))
    const server = await new Promise<Server>((resolve) => {
      const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(http as Server))
    })
    server.on('clientError', answerClientError)
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () =>
        new Promise((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        }),
    }
  }
}

/** The `tesseraResource` plugin behind `resourceErrorHandler()`. `prefixed`: plugin, handler and routes in a scope registered with `{ prefix: '/api' }`. */
function startFastifyPlugin(prefixed: boolean) {
  return async (rs: ResourceServer): Promise<Running> => {
    const app = Fastify()
    const routes = async (scope: FastifyInstance, base: string): Promise<void> => {
      await scope.register(tesseraResource, { resourceServer: rs })
      scope.setErrorHandler(resourceErrorHandler())
      scope.get(`${base}/notes`, { preHandler: scope.requireAuth({ scopes: ['notes:read'] }) }, async (request) => {
        const { subject, clientId, scopes, actor } = request.auth ?? { subject: undefined, clientId: undefined, scopes: undefined, actor: undefined }
        return { subject, clientId, scopes, actor: actor ?? null }
      })
      scope.get(`${base}/step-up`, { preHandler: scope.requireAuth(STEP_UP) }, async (request) => ({ subject: request.auth?.subject }))
      scope.post(`${base}/notes`, { preHandler: scope.requireAuth({ scopes: ['notes:write'] }) }, async (request, reply) => reply.code(201).send({ subject: request.auth?.subject }))
      scope.post(`${base}/read`, { preHandler: scope.requireAuth({ scopes: ['notes:read'] }) }, async (request) => ({ subject: request.auth?.subject, note: (request.body as Record<string, unknown>).note }))
    }
    if (prefixed) await app.register((scope) => routes(scope, ''), { prefix: '/api' })
    else await routes(app, '/api')
    app.get(rs.metadataPath, fastifyMetadata(rs))
    await app.listen({ port: 0, host: '127.0.0.1' })
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() }
  }
}

/** Entries for the `frameworks` list of adapters.test.ts. */
export const nativeResourceAdapters: [string, (rs: ResourceServer) => Promise<Running>][] = [
  ['hono requireAuth, default error handler', startHonoAuth(false)],
  ['hono requireAuth under app.route("/api"), app.onError', startHonoAuth(true)],
  ['fastify tesseraResource plugin, resourceErrorHandler()', startFastifyPlugin(false)],
  ['fastify tesseraResource plugin inside the prefix /api', startFastifyPlugin(true)],
]
