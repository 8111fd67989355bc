import { OAuthError } from '../errors.js'
import { jsonResponse } from '../http/response.js'
import { DEFAULT_BODY_LIMIT, type OAuthRequest, type OAuthResponse } from '../http/types.js'
import { BodyTooLargeError, fromWebRequest, toWebResponse } from '../http/web.js'
import { OAUTH_METADATA_SUFFIX } from '../protocol/rfc8414/metadata.js'
import { ConfigError, resolveConfig, type AuthorizationServerConfig, type ResolvedConfig } from './config.js'
import type { EndpointUrls, Registry, ServerContext } from './context.js'
import { CORE_CAPABILITIES } from './core-capabilities.js'
import { serverMetadata } from './endpoints/discovery.js'
import { introspectLocally, type IntrospectionAnswer } from './endpoints/introspect.js'
import { createRegistry, endpointUrlsOf, RegistryError } from './registry.js'
import { AccessTokenVerifications } from './tokens/verifications.js'
import { createMemoryCounterStore } from './abuse/counter.js'
import { ClientLimits } from './abuse/client-limits.js'
import { LoginThrottle } from './abuse/login-throttle.js'
import { requestSizeError } from './abuse/request-limits.js'
import { ensureSigningKeys, KeySet, SigningKeySecretError } from './key-set.js'
import { createAuditSink, type AuditSink } from './audit/sink.js'
import { errorPage, languageOf } from './pages.js'
import { withTransportSecurity } from './transport-security.js'
import { StorageUnavailableError } from '../storage/types.js'
import { safely } from './observer.js'
import { checkProfile, fapi2Capabilities, fapi2Configuration, fapi2Settings, type ServerProfile } from './fapi2/index.js'

/** What a Web-standard host knows of a request beyond the `Request` itself. */
export interface FetchInfo {
  /**
   * The peer's address (Bun's `server.requestIP(req)`, Deno's `info.remoteAddr`), which the abuse limits count
   * by; behind proxies listed in `trustedProxies` the forwarded address is taken instead, as with `handle`.
   */
  remoteAddress?: string | undefined
}

/**
 * An authorization server: `fetch` answers Web-standard requests (Next.js route handlers, Bun, Deno,
 * `app.mount` in Hono), `handle` plain request values; `tessera-oidc/adapters/node` and `…/hono` mount it
 * on node:http (Express, Fastify) and Hono. Mounted under a path, the issuer carries that path
 * (`https://example.com/oidc`) and requests arrive with it: see README "Mounting".
 */
export interface AuthorizationServer {
  /** Answers one request. Never throws: store outages become 503 `temporarily_unavailable`, other unexpected failures a generic 500 without detail. */
  handle(request: OAuthRequest): Promise<OAuthResponse>
  /**
   * Answers a Web-standard `Request`, exactly as `handle` does; the body is read up to 64 KiB (larger: 413,
   * unreadable: 400 `invalid_request`). Needs no `this`: pass `server.fetch` itself.
   *
   * @example
   * ```ts
   * // app/oidc/[...path]/route.ts in Next.js, with the issuer https://example.com/oidc
   * export const GET = (request: Request) => server.fetch(request)
   * export const POST = GET
   * ```
   * @see https://fetch.spec.whatwg.org/#request-class
   */
  readonly fetch: (request: Request, info?: FetchInfo) => Promise<Response>
  /** The discovery document (RFC 8414). */
  metadata(): Record<string, unknown>
  readonly issuer: string
  readonly urls: EndpointUrls
  /** The capabilities the server was assembled from, and what they add up to (grant types, auth methods, routes). */
  readonly registry: Registry
  readonly config: ResolvedConfig
  readonly keys: KeySet
  /** The audit trail; `flush()` waits for records still being stored (tests, shutdown). */
  readonly audit: AuditSink
  /**
   * RFC 7662 answer about `token` for an API running in this process, without the introspection
   * endpoint's client policy; pass it as `introspect` to `createResourceServer`. Not an HTTP endpoint.
   */
  introspect(token: string): Promise<IntrospectionAnswer>
  /**
   * The capabilities' periodic work (`Capability.background`): queued back-channel logouts from the CLI.
   * `tessera-oidc serve` calls it every few seconds; an application embedding the server calls it on a timer.
   */
  runBackgroundTasks(): Promise<void>
}

/**
 * Creates the authorization server. Configuration is validated here, once; signing keys are created on
 * first start and kept in the store.
 *
 * @example
 * ```ts
 * const server = await createAuthorizationServer({ issuer: 'http://localhost:4000', store, secret })
 * const response = await server.handle(request)
 * ```
 */
export async function createAuthorizationServer(config: AuthorizationServerConfig): Promise<AuthorizationServer> {
  const profile = checkProfile(config.profile)
  const resolved = profile === 'fapi2' ? fapi2Settings(resolveConfig(fapi2Configuration(config))) : resolveConfig(config)
  const registry = assemble(config, profile)
  const observer = config.observer
  const audit = createAuditSink({
    store: resolved.store, logger: resolved.logger, now: resolved.now, retention: resolved.auditRetention, levels: registry.auditEvents,
    observe: observer?.event?.bind(observer),
  })
  const createdKeys = await ensureSigningKeys(resolved.store, resolved.secret, resolved.now())
  if (createdKeys.length > 0) {
    await audit.record({ type: 'keys.created', kids: createdKeys.map((key) => key.kid), algorithms: createdKeys.map((key) => key.alg), actor: 'server' })
  }
  const keys = new KeySet(resolved.store, [resolved.secret, ...resolved.previousSecrets], resolved.now)
  try {
    await keys.load()
  } catch (error) {
    if (!(error instanceof SigningKeySecretError)) throw error
    throw new ConfigError('secret', `cannot open the stored signing keys (key ${error.kid}): this is not the secret they were sealed with. Set TESSERA_SECRET to that secret; to change it, list the new one first and the old one after it (TESSERA_SECRET=new,old), then run tessera-oidc secret rotate`)
  }
  const urls = endpointUrlsOf(resolved.issuer, registry)
  const counters = config.counters ?? createMemoryCounterStore()
  const loginThrottle = new LoginThrottle(counters, resolved.loginThrottle)
  const clientLimits = new ClientLimits(counters, resolved.clientLimits)
  const ctx: ServerContext = { config: resolved, keys, urls, registry, loginThrottle, audit, clientLimits, verifications: new AccessTokenVerifications(resolved.now) }

  /** The path below the issuer's, or undefined for a path outside it. */
  function localPath(path: string): string | undefined {
    // RFC 8414 §3.1: an issuer with a path has its metadata at the origin's well-known URI followed by that
    // path; the host routes it here too (README "Mounting").
    if (resolved.basePath !== '' && path === OAUTH_METADATA_SUFFIX + resolved.basePath) return OAUTH_METADATA_SUFFIX
    if (path !== resolved.basePath && !path.startsWith(`${resolved.basePath}/`)) return undefined
    return path.slice(resolved.basePath.length) || '/'
  }
  const routeOf = (request: OAuthRequest) => {
    const local = localPath(request.url.pathname)
    return local === undefined ? undefined : registry.route(local)
  }

  async function dispatch(request: OAuthRequest): Promise<OAuthResponse> {
    const local = localPath(request.url.pathname)
    if (local === undefined) return notFound()
    if (request.body && request.body.byteLength > DEFAULT_BODY_LIMIT) {
      return jsonResponse(413, { error: 'invalid_request', error_description: 'Request body too large' })
    }
    const route = registry.route(local)
    const oversized = requestSizeError(request)
    if (oversized) return route?.endpoint.html ? errorPage(ctx, oversized, languageOf(ctx, request.headers)) : jsonResponse(oversized.status, oversized.toJSON())
    if (!route) return notFound()
    const method = request.method === 'HEAD' ? 'GET' : request.method
    if (route.methods && !(route.methods as readonly string[]).includes(method)) {
      return jsonResponse(405, { error: 'invalid_request', error_description: 'Method not allowed' }, { Allow: route.methods.join(', ') })
    }
    return route.handle(ctx, request, route.captures)
  }

  async function answer(request: OAuthRequest): Promise<OAuthResponse> {
    try {
      // The abuse limits count the client behind trusted proxies, never an address the client wrote itself.
      if (resolved.clientAddress) request = { ...request, remoteAddress: resolved.clientAddress(request.remoteAddress, request.headers) }
      return withTransportSecurity(await dispatch(request), resolved.secure)
    } catch (error) {
      const html = routeOf(request)?.endpoint.html ?? false
      const unavailable = error instanceof StorageUnavailableError
      const oauthError = error instanceof OAuthError ? error : unavailable ? STORAGE_UNAVAILABLE : new OAuthError('server_error', 'The server could not complete the request')
      if (unavailable) resolved.logger?.warn({ err: error, backend: error.backend, path: request.url.pathname }, 'storage unavailable')
      else if (!(error instanceof OAuthError)) resolved.logger?.error({ err: error, path: request.url.pathname }, 'unhandled error')
      const response = html ? errorPage(ctx, oauthError, languageOf(ctx, request.headers)) : jsonResponse(oauthError.status, oauthError.toJSON())
      if (unavailable) response.headers.set('Retry-After', String(RETRY_AFTER_SECONDS))
      return withTransportSecurity(response, resolved.secure)
    }
  }

  async function handle(request: OAuthRequest): Promise<OAuthResponse> {
    if (!observer?.request) return answer(request)
    const started = process.hrtime.bigint()
    const response = await answer(request)
    const matched = routeOf(request)?.endpoint
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const route = matched ? { route: resolved.basePath + matched.path } : {}
    safely(observer.request.bind(observer), { endpoint: matched?.name ?? 'unknown', ...route, method: request.method, status: response.status, seconds })
    return response
  }

  return {
    issuer: resolved.issuer,
    urls,
    registry,
    config: resolved,
    keys,
    audit,
    metadata: () => serverMetadata(ctx),
    introspect: (token) => introspectLocally(ctx, token),
    async runBackgroundTasks() {
      for (const capability of registry.capabilities) {
        try {
          await capability.background?.(ctx)
        } catch (error) {
          resolved.logger?.error({ err: error, capability: capability.name }, 'background task failed')
        }
      }
    },
    handle,
    async fetch(request, info) {
      let converted: OAuthRequest
      try {
        converted = await fromWebRequest(request, { remoteAddress: info?.remoteAddress })
      } catch (error) {
        // What `handle` answers for a body over the limit; the rest of it is never read (catalogue RL-05).
        const refusal = error instanceof BodyTooLargeError
          ? jsonResponse(413, { error: 'invalid_request', error_description: 'Request body too large' }, { Connection: 'close' })
          : jsonResponse(400, { error: 'invalid_request', error_description: 'The request body could not be read' })
        return toWebResponse(withTransportSecurity(refusal, resolved.secure))
      }
      return toWebResponse(await handle(converted))
    },
  }
}

// RFC 6749 §4.1.2.1 / §5.2: the store cannot be reached for now; the same request may succeed later
// (RFC 9110 §15.6.4: 503 with `Retry-After`). Nothing about the backend reaches the client.
const STORAGE_UNAVAILABLE = new OAuthError('temporarily_unavailable', 'The server is temporarily unavailable, try again shortly')
const RETRY_AFTER_SECONDS = 5

function notFound(): OAuthResponse {
  return jsonResponse(404, { error: 'invalid_request', error_description: 'Not found' })
}

/** The core capabilities and the configured ones, as one registry; a clash is a configuration error. */
function assemble(config: AuthorizationServerConfig, profile: ServerProfile | undefined): Registry {
  const capabilities = [...CORE_CAPABILITIES, ...(config.capabilities ?? [])]
  try {
    return createRegistry(profile === 'fapi2' ? fapi2Capabilities(capabilities) : capabilities)
  } catch (error) {
    if (error instanceof RegistryError) throw new ConfigError('capabilities', error.message)
    throw error
  }
}
