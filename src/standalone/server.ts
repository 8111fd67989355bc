import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import type { Logger } from 'pino'
import { honoHandler } from '../adapters/hono.js'
import { createAuthorizationServer, type AuthorizationServer } from '../server/create-server.js'
import type { AuthorizationServerConfig, ResourceConfig } from '../server/config.js'
import type { Store } from '../storage/types.js'
import { createResourceServer } from '../resource/create-resource-server.js'
import { notesApi } from './notes-api.js'
import type { ResourceEnv } from '../adapters/hono-resource.js'

export interface StandaloneOptions {
  store: Store
  secret: string
  /** Port to listen on; 0 picks a free one. */
  port: number
  host: string
  /** Defaults to `http://<host>:<port>` (with `localhost` for 127.0.0.1). */
  issuer?: string
  resources?: ResourceConfig[]
  logger?: Logger
  lifetimes?: AuthorizationServerConfig['lifetimes']
  loginThrottle?: AuthorizationServerConfig['loginThrottle']
}

export interface StandaloneServer {
  url: string
  server: AuthorizationServer
  close(): Promise<void>
}

/** The demo API's scopes: the resource that the API-security issue serves at `<issuer>/api`. */
export function demoResource(issuer: string): ResourceConfig {
  return {
    identifier: `${issuer.replace(/\/+$/, '')}/api`,
    scopes: { 'notes:read': 'Read your notes', 'notes:write': 'Create, change and delete your notes' },
  }
}

function listen(app: Hono, port: number, host: string): Promise<{ http: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const http = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => resolve({ http, port: info.port }))
    http.once('error', reject)
  })
}

/**
 * The standalone server: the authorization server on Hono over `node:http`, plus health checks. The
 * issuer is fixed before listening, so with port 0 the server listens first and is built second.
 */
export async function startStandaloneServer(options: StandaloneOptions): Promise<StandaloneServer> {
  let target: AuthorizationServer | undefined
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  let api: Hono<ResourceEnv> | undefined
  app.all('/api/*', (c) => (api ? api.fetch(c.req.raw, c.env) : c.json({ error: 'temporarily_unavailable' }, 503)))
  app.all('/.well-known/oauth-protected-resource/*', (c) => (api ? api.fetch(c.req.raw, c.env) : c.json({ error: 'temporarily_unavailable' }, 503)))
  const handler = honoHandler({
    handle: (request) => {
      if (!target) throw new Error('server not ready')
      return target.handle(request)
    },
  })
  app.all('*', handler)
  const { http, port } = await listen(app, options.port, options.host)
  const displayHost = options.host === '127.0.0.1' || options.host === '::1' || options.host === '0.0.0.0' ? 'localhost' : options.host
  const issuer = options.issuer ?? `http://${displayHost}:${port}`
  try {
    target = await createAuthorizationServer({
      issuer,
      store: options.store,
      secret: options.secret,
      resources: options.resources ?? [demoResource(issuer)],
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.lifetimes ? { lifetimes: options.lifetimes } : {}),
      ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}),
    })
  } catch (error) {
    http.close()
    throw error
  }
  const resource = (options.resources ?? [demoResource(issuer)])[0]
  // The demo notes API serves the demo resource only (issue 4); other configured APIs live elsewhere.
  if (resource && 'notes:read' in resource.scopes) {
    const rs = createResourceServer({ issuer, audience: resource.identifier, scopesSupported: Object.keys(resource.scopes) })
    api = notesApi(rs, options.store.notes, () => Math.floor(Date.now() / 1000))
  }
  const purge = setInterval(() => {
    options.store.purgeExpired(Math.floor(Date.now() / 1000)).catch((error: unknown) => options.logger?.error({ err: error }, 'purge failed'))
  }, 10 * 60 * 1000)
  purge.unref()
  return {
    url: issuer,
    server: target,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(purge)
        http.close(() => resolve())
        if ('closeAllConnections' in http) http.closeAllConnections()
      }),
  }
}
