import { OAuthError } from '../errors.js'
import { jsonResponse } from '../http/response.js'
import { DEFAULT_BODY_LIMIT, type OAuthRequest, type OAuthResponse } from '../http/types.js'
import { resolveConfig, type AuthorizationServerConfig, type ResolvedConfig } from './config.js'
import { endpointUrls, ENDPOINT_PATHS, type EndpointUrls, type ServerContext } from './context.js'
import { authorizeEndpoint } from './endpoints/authorize.js'
import { discoveryEndpoint, serverMetadata } from './endpoints/discovery.js'
import { introspectionEndpoint, introspectLocally, type IntrospectionAnswer } from './endpoints/introspect.js'
import { showInteraction, submitConsent, submitLogin } from './endpoints/interaction.js'
import { jwksEndpoint } from './endpoints/jwks.js'
import { logoutEndpoint } from './endpoints/logout.js'
import { revocationEndpoint } from './endpoints/revoke.js'
import { tokenEndpoint } from './endpoints/token.js'
import { userinfoEndpoint } from './endpoints/userinfo.js'
import { authorizationCodeGrant } from './grants/authorization-code.js'
import { clientCredentialsGrant } from './grants/client-credentials.js'
import { refreshTokenGrant } from './grants/refresh-token.js'
import type { Grant } from './grants/types.js'
import { createMemoryCounterStore } from './abuse/counter.js'
import { ClientLimits } from './abuse/client-limits.js'
import { LoginThrottle } from './abuse/login-throttle.js'
import { requestSizeError } from './abuse/request-limits.js'
import { ensureSigningKeys, KeySet } from './key-set.js'
import { createAuditSink, type AuditSink } from './audit/sink.js'
import { errorPage } from './pages.js'
import { withTransportSecurity } from './transport-security.js'
import { StorageUnavailableError } from '../storage/types.js'

export interface AuthorizationServer {
  /** Answers one request. Never throws: store outages become 503 `temporarily_unavailable`, other unexpected failures a generic 500 without detail. */
  handle(request: OAuthRequest): Promise<OAuthResponse>
  /** The discovery document (RFC 8414). */
  metadata(): Record<string, unknown>
  readonly issuer: string
  readonly urls: EndpointUrls
  readonly config: ResolvedConfig
  readonly keys: KeySet
  /** The audit trail; `flush()` waits for records still being stored (tests, shutdown). */
  readonly audit: AuditSink
  /**
   * RFC 7662 answer about `token` for an API running in this process, without the introspection
   * endpoint's client policy; pass it as `introspect` to `createResourceServer`. Not an HTTP endpoint.
   */
  introspect(token: string): Promise<IntrospectionAnswer>
}

type Route = (ctx: ServerContext, request: OAuthRequest, match: RegExpExecArray) => Promise<OAuthResponse> | OAuthResponse

const GRANTS: readonly Grant[] = [authorizationCodeGrant, refreshTokenGrant, clientCredentialsGrant]

function routes(grants: ReadonlyMap<string, Grant>): [string, RegExp, Route][] {
  const interaction = ENDPOINT_PATHS.interaction
  return [
    ['GET', /^\/\.well-known\/(openid-configuration|oauth-authorization-server)$/, (ctx) => discoveryEndpoint(ctx)],
    ['GET', new RegExp(`^${ENDPOINT_PATHS.jwks}$`), (ctx) => jwksEndpoint(ctx)],
    ['GET|POST', new RegExp(`^${ENDPOINT_PATHS.authorization}$`), (ctx, req) => authorizeEndpoint(ctx, req)],
    ['GET', new RegExp(`^${interaction}/([A-Za-z0-9_-]{1,64})$`), (ctx, req, m) => showInteraction(ctx, req, m[1] ?? '')],
    ['POST', new RegExp(`^${interaction}/([A-Za-z0-9_-]{1,64})/login$`), (ctx, req, m) => submitLogin(ctx, req, m[1] ?? '')],
    ['POST', new RegExp(`^${interaction}/([A-Za-z0-9_-]{1,64})/consent$`), (ctx, req, m) => submitConsent(ctx, req, m[1] ?? '')],
    ['*', new RegExp(`^${ENDPOINT_PATHS.token}$`), (ctx, req) => tokenEndpoint(ctx, req, grants)],
    ['*', new RegExp(`^${ENDPOINT_PATHS.userinfo}$`), (ctx, req) => userinfoEndpoint(ctx, req)],
    ['*', new RegExp(`^${ENDPOINT_PATHS.revocation}$`), (ctx, req) => revocationEndpoint(ctx, req)],
    ['*', new RegExp(`^${ENDPOINT_PATHS.introspection}$`), (ctx, req) => introspectionEndpoint(ctx, req)],
    ['*', new RegExp(`^${ENDPOINT_PATHS.endSession}$`), (ctx, req) => logoutEndpoint(ctx, req)],
  ]
}

const HTML_PATHS = /^\/(authorize|interaction|logout)/

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
  const resolved = resolveConfig(config)
  const audit = createAuditSink({ store: resolved.store, logger: resolved.logger, now: resolved.now, retention: resolved.auditRetention })
  const createdKeys = await ensureSigningKeys(resolved.store, resolved.secret, resolved.now())
  if (createdKeys.length > 0) {
    await audit.record({ type: 'keys.created', kids: createdKeys.map((key) => key.kid), algorithms: createdKeys.map((key) => key.alg), actor: 'server' })
  }
  const keys = new KeySet(resolved.store, resolved.secret, resolved.now)
  const urls = endpointUrls(resolved.issuer)
  const counters = config.counters ?? createMemoryCounterStore()
  const loginThrottle = new LoginThrottle(counters, resolved.loginThrottle)
  const clientLimits = new ClientLimits(counters, resolved.clientLimits)
  const ctx: ServerContext = { config: resolved, keys, urls, loginThrottle, audit, clientLimits }
  const table = routes(new Map(GRANTS.map((grant) => [grant.type, grant])))

  async function dispatch(request: OAuthRequest): Promise<OAuthResponse> {
    const path = request.url.pathname
    if (!path.startsWith(resolved.basePath)) return notFound()
    const local = path.slice(resolved.basePath.length) || '/'
    if (request.body && request.body.byteLength > DEFAULT_BODY_LIMIT) {
      return jsonResponse(413, { error: 'invalid_request', error_description: 'Request body too large' })
    }
    const oversized = requestSizeError(request)
    if (oversized) return HTML_PATHS.test(local) ? errorPage(ctx, oversized) : jsonResponse(oversized.status, oversized.toJSON())
    for (const [methods, pattern, route] of table) {
      const match = pattern.exec(local)
      if (!match) continue
      const method = request.method === 'HEAD' ? 'GET' : request.method
      if (methods !== '*' && !methods.split('|').includes(method)) {
        return jsonResponse(405, { error: 'invalid_request', error_description: 'Method not allowed' }, { Allow: methods.replace('|', ', ') })
      }
      return route(ctx, request, match)
    }
    return notFound()
  }

  return {
    issuer: resolved.issuer,
    urls,
    config: resolved,
    keys,
    audit,
    metadata: () => serverMetadata(ctx),
    introspect: (token) => introspectLocally(ctx, token),
    async handle(request) {
      try {
        // The abuse limits count the client behind trusted proxies, never an address the client wrote itself.
        if (resolved.clientAddress) request = { ...request, remoteAddress: resolved.clientAddress(request.remoteAddress, request.headers) }
        return withTransportSecurity(await dispatch(request), resolved.secure)
      } catch (error) {
        const local = request.url.pathname.slice(resolved.basePath.length)
        const unavailable = error instanceof StorageUnavailableError
        const oauthError = error instanceof OAuthError ? error : unavailable ? STORAGE_UNAVAILABLE : new OAuthError('server_error', 'The server could not complete the request')
        if (unavailable) resolved.logger?.warn({ err: error, backend: error.backend, path: request.url.pathname }, 'storage unavailable')
        else if (!(error instanceof OAuthError)) resolved.logger?.error({ err: error, path: request.url.pathname }, 'unhandled error')
        const response = HTML_PATHS.test(local) ? errorPage(ctx, oauthError) : jsonResponse(oauthError.status, oauthError.toJSON())
        if (unavailable) response.headers.set('Retry-After', String(RETRY_AFTER_SECONDS))
        return withTransportSecurity(response, resolved.secure)
      }
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
