import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import type { Logger } from 'pino'
import { honoHandler } from '../adapters/hono.js'
import { answerClientError } from '../http/client-error.js'
import { DEFAULT_BODY_LIMIT, type OAuthResponse } from '../http/types.js'
import { createAuthorizationServer, type AuthorizationServer } from '../server/create-server.js'
import { createPrometheusMetrics } from '../server/metrics/prometheus.js'
import { createOpenTelemetryObserver } from '../server/metrics/opentelemetry.js'
import { combineObservers } from '../server/observer.js'
import { jsonResponse } from '../http/response.js'
import type { AuthorizationServerConfig, ResourceConfig } from '../server/config.js'
import { StorageUnavailableError, type Store } from '../storage/types.js'
import { createResourceServer } from '../resource/create-resource-server.js'
import { recordsDpopReplayStore } from '../resource/dpop.js'
import { notesApi } from './notes-api.js'
import { createMemoryNoteStore } from './notes/memory.js'
import type { NoteStore } from './notes/types.js'
import type { ResourceAuthEnv } from '../adapters/hono-resource.js'

export interface StandaloneOptions {
  store: Store
  /**
   * The demo API's notes; default in memory. `tessera-oidc serve` passes one on the store's database
   * (./notes/sql.ts). The caller closes it, as it does `store`.
   */
  notes?: NoteStore
  /** The server secret, or a list newest first while rotating (see `AuthorizationServerConfig.secret`). */
  secret: AuthorizationServerConfig['secret']
  /** Port to listen on; 0 picks a free one. */
  port: number
  host: string
  /** Defaults to `http://<host>:<port>` (with `localhost` for 127.0.0.1). */
  issuer?: string
  resources?: ResourceConfig[]
  /** When `resources` is not given: APIs registered after the demo API (`tessera-oidc serve` adds `demoMcpResource`). */
  additionalResources?: ResourceConfig[]
  logger?: Logger
  lifetimes?: AuthorizationServerConfig['lifetimes']
  loginThrottle?: AuthorizationServerConfig['loginThrottle']
  clientLimits?: AuthorizationServerConfig['clientLimits']
  /** Proxies whose `X-Forwarded-For` (or `Forwarded`) names the client; see `AuthorizationServerConfig.trustedProxies`. */
  trustedProxies?: string[]
  forwardedHeader?: AuthorizationServerConfig['forwardedHeader']
  counters?: AuthorizationServerConfig['counters']
  accessTokenFormat?: AuthorizationServerConfig['accessTokenFormat']
  accessTokenSigningAlg?: AuthorizationServerConfig['accessTokenSigningAlg']
  productName?: AuthorizationServerConfig['productName']
  /** Languages and theme of the pages; see `AuthorizationServerConfig.ui`. */
  ui?: AuthorizationServerConfig['ui']
  /** Page templates; see `AuthorizationServerConfig.pages`. */
  pages?: AuthorizationServerConfig['pages']
  auditRetention?: AuthorizationServerConfig['auditRetention']
  /** Capabilities beyond the core ones; see `AuthorizationServerConfig.capabilities`. */
  capabilities?: AuthorizationServerConfig['capabilities']
  /**
   * Prometheus metrics (`createPrometheusMetrics`): at `/metrics` on the server's own port, or, with `port`,
   * on a listener of their own (same host) that the public side never reaches. Off when absent.
   */
  metrics?: { port?: number }
  /** Development switches (`--allow-loopback-fetch`); see `AuthorizationServerConfig.development`. */
  development?: AuthorizationServerConfig['development']
  /** The SSRF guard's policy for client-supplied URLs; see `AuthorizationServerConfig.outbound`. */
  outbound?: AuthorizationServerConfig['outbound']
  /** `--require-dpop`: every token request needs a DPoP proof; see `AuthorizationServerConfig.requireDpop`. */
  requireDpop?: AuthorizationServerConfig['requireDpop']
  /** `--dpop-nonces`: DPoP proofs must carry a server nonce; see `AuthorizationServerConfig.dpopNonces`. */
  dpopNonces?: AuthorizationServerConfig['dpopNonces']
  /** `fapi2`: the FAPI 2.0 Security Profile (`--profile fapi2`); see `AuthorizationServerConfig.profile`. */
  profile?: AuthorizationServerConfig['profile']
  /** Every sign-in needs a second factor; see `AuthorizationServerConfig.requireMfa`. */
  requireMfa?: AuthorizationServerConfig['requireMfa']
  /**
   * The admin API (`adminApi()` among `capabilities`) on a listener of its own (`--admin-api-listen`), e.g. a
   * private interface: `/admin/v1` is served there only, and the public listener answers 404 for it. Port 0
   * picks a free one; `listening` is told the API's URL before any request reaches it (for `adminApi({ url })`).
   */
  adminApiListen?: { host: string; port: number; listening?: (url: string) => void }
}

export interface StandaloneServer {
  url: string
  /** Where the metrics are served, when they are. */
  metricsUrl?: string
  /** The admin API's URL on its own listener (`adminApiListen`), when it has one. */
  adminApiUrl?: string
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

/**
 * The MCP example server (examples/mcp-server) as a resource of the demo: its own identifier, so that a token
 * asked for it (RFC 8707 `resource`, as MCP clients must) names it in `aud`, and its own scope, since a
 * scope belongs to one resource here. Its `list_notes` tool needs `notes:read` of the demo API besides.
 */
export function demoMcpResource(identifier = 'http://localhost:3001/mcp'): ResourceConfig {
  return { identifier, scopes: { 'mcp:tools': 'Use the tools of the notes MCP server' } }
}

function listen(app: Hono, port: number, host: string): Promise<{ http: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    // Node's default, made explicit so that NODE_OPTIONS=--max-http-header-size cannot lift it (catalogue RL-05).
    const http = serve({ fetch: app.fetch, port, hostname: host, serverOptions: { maxHeaderSize: 16 * 1024 } }, (info: AddressInfo) => resolve({ http, port: info.port }))
    http.once('error', reject)
    // Requests Node's parser refuses (oversized headers or target, NUL bytes) still get an OAuth error body.
    http.on('clientError', answerClientError)
  })
}

const NO_STORE = { 'Cache-Control': 'no-store' }

/** What the authorization server answers for a path it does not serve. */
const notFound = (): OAuthResponse => jsonResponse(404, { error: 'invalid_request', error_description: 'Not found' })

/** The host of a listening address as a URL names it: `localhost` for loopback and any-address, IPv6 in brackets. */
function hostForUrl(host: string): string {
  if (host === '127.0.0.1' || host === '::1' || host === '0.0.0.0') return 'localhost'
  return host.includes(':') ? `[${host}]` : host
}
const RETRY_AFTER_SECONDS = '5'

async function readiness(c: Context, store: Store, started: boolean, logger: Logger | undefined): Promise<Response> {
  if (!started) return c.json({ status: 'starting' }, 503, { ...NO_STORE, 'Retry-After': RETRY_AFTER_SECONDS })
  try {
    await store.ping()
    return c.json({ status: 'ok' }, 200, NO_STORE)
  } catch (error) {
    const backend = error instanceof StorageUnavailableError ? error.backend : 'store'
    logger?.warn({ err: error, backend }, 'not ready: the store does not answer')
    return c.json({ status: 'unavailable', unavailable: backend }, 503, { ...NO_STORE, 'Retry-After': RETRY_AFTER_SECONDS })
  }
}

/**
 * Failures outside the authorization server's own handling (the demo API): an `HTTPException` (a refusal
 * of `requireAuth`, carrying its exact RFC 6750 challenge, or any middleware's deliberate answer) answers
 * itself; a store outage is 503 `temporarily_unavailable` (RFC 6750 §3.1 has no code for it; RFC 6749
 * §4.1.2.1's fits), anything else a bare 500. Never a stack trace.
 */
function unexpectedError(c: Context, error: Error, logger: Logger | undefined): Response {
  if (error instanceof HTTPException) return error.getResponse()
  if (error instanceof StorageUnavailableError) {
    logger?.warn({ err: error, backend: error.backend, path: c.req.path }, 'storage unavailable')
    return c.json({ error: 'temporarily_unavailable', error_description: 'The server is temporarily unavailable, try again shortly' }, 503, { ...NO_STORE, 'Retry-After': RETRY_AFTER_SECONDS })
  }
  logger?.error({ err: error, path: c.req.path }, 'unhandled error')
  return c.json({ error: 'server_error' }, 500, NO_STORE)
}

/**
 * The standalone server: the authorization server on Hono over `node:http`, plus health checks. The
 * issuer is fixed before listening, so with port 0 the server listens first and is built second.
 */
export async function startStandaloneServer(options: StandaloneOptions): Promise<StandaloneServer> {
  let target: AuthorizationServer | undefined
  const app = new Hono()
  // Liveness: the process answers. Readiness: the store answers too, so a load balancer sends traffic
  // elsewhere while PostgreSQL or Redis is unreachable (the process itself need not restart).
  app.get('/healthz', (c) => c.json({ status: 'ok' }, 200, NO_STORE))
  app.get('/readyz', (c) => readiness(c, options.store, target !== undefined, options.logger))
  app.onError((error, c) => unexpectedError(c, error, options.logger))
  let api: Hono<ResourceAuthEnv> | undefined
  const notes = options.notes ?? createMemoryNoteStore()
  // The demo notes API serves the demo resource only (issue 4): mounted when that resource comes first.
  const servesNotes = (options.resources ?? [demoResource('http://localhost')])[0]?.scopes['notes:read'] !== undefined
  if (servesNotes) {
    // The API reads JSON bodies itself: bound them as the authorization server's adapter does (catalogue RL-05).
    app.use('/api/*', bodyLimit({ maxSize: DEFAULT_BODY_LIMIT, onError: (c) => c.json({ error: 'invalid_request', error_description: 'Request body too large' }, 413) }))
    app.all('/api/*', (c) => (api ? api.fetch(c.req.raw, c.env) : c.json({ error: 'temporarily_unavailable' }, 503)))
    // With a suffix only: the bare path is the issuer's own resource metadata (the admin API's, RFC 9728 §3.1).
    app.all('/.well-known/oauth-protected-resource/:path{.+}', (c) => (api ? api.fetch(c.req.raw, c.env) : c.json({ error: 'temporarily_unavailable' }, 503)))
  }
  const metrics = options.metrics ? await createPrometheusMetrics({ store: options.store }) : undefined
  const exposition = async (c: Context): Promise<Response> => {
    if (!metrics) return c.json({ error: 'invalid_request', error_description: 'Not found' }, 404)
    return c.body(await metrics.render(), 200, { ...NO_STORE, 'Content-Type': metrics.contentType })
  }
  if (metrics && options.metrics?.port === undefined) app.get('/metrics', exposition)
  // The port opens before the keys exist (the issuer may name the port): a request in that gap is told to
  // come back, never answered 500.
  const starting = (): OAuthResponse => jsonResponse(503, { error: 'temporarily_unavailable', error_description: 'The server is starting, try again shortly' }, { 'Retry-After': '1' })
  /** `/admin/v1` below the issuer's path, once the issuer is known: set only when the admin API has its own listener. */
  let adminPrefix: string | undefined
  // Decided on the path the server routes by (the parsed URL's), so no spelling reaches the API on the public side.
  const isAdminPath = (path: string): boolean => adminPrefix !== undefined && (path === adminPrefix || path.startsWith(`${adminPrefix}/`))
  app.all('*', honoHandler({
    handle: async (request) => (!target ? starting() : isAdminPath(request.url.pathname) ? notFound() : target.handle(request)),
  }))
  const { http, port } = await listen(app, options.port, options.host)
  let adminListener: { http: ServerType; port: number } | undefined
  if (options.adminApiListen) {
    const adminApp = new Hono()
    adminApp.onError((error, c) => unexpectedError(c, error, options.logger))
    adminApp.all('*', honoHandler({ handle: async (request) => (!target ? starting() : isAdminPath(request.url.pathname) ? target.handle(request) : notFound()) }))
    try {
      adminListener = await listen(adminApp, options.adminApiListen.port, options.adminApiListen.host)
    } catch (error) {
      http.close()
      throw error
    }
  }
  let metricsListener: { http: ServerType; port: number } | undefined
  if (metrics && options.metrics?.port !== undefined) {
    const metricsApp = new Hono()
    metricsApp.get('/metrics', exposition)
    try {
      metricsListener = await listen(metricsApp, options.metrics.port, options.host)
    } catch (error) {
      http.close()
      adminListener?.http.close()
      throw error
    }
  }
  const displayHost = hostForUrl(options.host)
  const issuer = options.issuer ?? `http://${displayHost}:${port}`
  let adminApiUrl: string | undefined
  if (adminListener && options.adminApiListen) {
    adminPrefix = `${new URL(issuer).pathname.replace(/\/+$/, '')}/admin/v1`
    adminApiUrl = `http://${hostForUrl(options.adminApiListen.host)}:${adminListener.port}${adminPrefix}`
    options.adminApiListen.listening?.(adminApiUrl)
  }
  const resources = options.resources ?? [demoResource(issuer), ...(options.additionalResources ?? [])]
  try {
    target = await createAuthorizationServer({
      issuer,
      store: options.store,
      secret: options.secret,
      resources,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.lifetimes ? { lifetimes: options.lifetimes } : {}),
      ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}),
      ...(options.clientLimits ? { clientLimits: options.clientLimits } : {}),
      ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
      ...(options.forwardedHeader ? { forwardedHeader: options.forwardedHeader } : {}),
      ...(options.counters ? { counters: options.counters } : {}),
      ...(options.accessTokenFormat ? { accessTokenFormat: options.accessTokenFormat } : {}),
      ...(options.accessTokenSigningAlg ? { accessTokenSigningAlg: options.accessTokenSigningAlg } : {}),
      ...(options.productName ? { productName: options.productName } : {}),
      ...(options.ui ? { ui: options.ui } : {}),
      ...(options.pages ? { pages: options.pages } : {}),
      ...(options.auditRetention ? { auditRetention: options.auditRetention } : {}),
      ...(options.development ? { development: options.development } : {}),
      ...(options.outbound ? { outbound: options.outbound } : {}),
      ...(options.capabilities ? { capabilities: options.capabilities } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.requireDpop !== undefined ? { requireDpop: options.requireDpop } : {}),
      ...(options.dpopNonces !== undefined ? { dpopNonces: options.dpopNonces } : {}),
      ...(options.requireMfa ? { requireMfa: options.requireMfa } : {}),
      // Tracing is always on and costs next to nothing without an SDK: the application that registers one decides.
      observer: combineObservers(metrics?.observer, createOpenTelemetryObserver()),
    })
  } catch (error) {
    http.close()
    metricsListener?.http.close()
    adminListener?.http.close()
    throw error
  }
  const resource = resources[0]
  if (servesNotes && resource) {
    // JWTs are checked against the JWKS like any external API would; opaque tokens are asked of the server itself.
    const server = target
    // DPoP proofs are remembered in the server's store, so every instance sharing it refuses a replay (RFC 9449 §11.1).
    const rs = createResourceServer({ issuer, audience: resource.identifier, scopesSupported: Object.keys(resource.scopes), introspect: (token) => server.introspect(token), dpop: { replayStore: recordsDpopReplayStore(options.store.records) } })
    api = notesApi(rs, notes, () => Math.floor(Date.now() / 1000))
    api.onError((error, c) => unexpectedError(c, error, options.logger))
  }
  const purge = setInterval(() => {
    options.store.purgeExpired(Math.floor(Date.now() / 1000)).catch((error: unknown) => options.logger?.error({ err: error }, 'purge failed'))
    deleteOrphanNotes(notes, options.store).catch((error: unknown) => options.logger?.error({ err: error }, 'notes purge failed'))
  }, 10 * 60 * 1000)
  purge.unref()
  // Back-channel logouts the CLI queued (user sessions revoke, user delete) go out within seconds.
  const background = setInterval(() => void target?.runBackgroundTasks(), 5000)
  background.unref()
  return {
    url: issuer,
    ...(metrics ? { metricsUrl: metricsListener ? `http://${displayHost}:${metricsListener.port}/metrics` : `${issuer}/metrics` } : {}),
    ...(adminApiUrl ? { adminApiUrl } : {}),
    server: target,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(purge)
        clearInterval(background)
        for (const side of [metricsListener, adminListener]) {
          if (!side) continue
          side.http.close()
          if ('closeAllConnections' in side.http) side.http.closeAllConnections()
        }
        // Audit records still being written reach the store before the caller closes it.
        http.close(() => void Promise.resolve(target?.audit.flush()).then(resolve))
        if ('closeAllConnections' in http) http.closeAllConnections()
      }),
  }
}

/**
 * A note's owner is a token subject: a user, or a client (client credentials). Deleting either leaves
 * its notes unreachable (user ids are never reused); this frees them.
 */
export async function deleteOrphanNotes(notes: NoteStore, store: Store): Promise<number> {
  return notes.deleteOrphans(async (owner) => (await store.users.get(owner)) !== undefined || (await store.clients.get(owner)) !== undefined)
}
