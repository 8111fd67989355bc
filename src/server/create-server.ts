import { OAuthError } from '../errors.js'
import { jsonResponse } from '../http/response.js'
import { DEFAULT_BODY_LIMIT, type OAuthRequest, type OAuthResponse } from '../http/types.js'
import { resolveConfig, type AuthorizationServerConfig, type ResolvedConfig } from './config.js'
import { endpointUrls, ENDPOINT_PATHS, type EndpointUrls, type ServerContext } from './context.js'
import { authorizeEndpoint } from './endpoints/authorize.js'
import { discoveryEndpoint, serverMetadata } from './endpoints/discovery.js'
import { introspectionEndpoint } from './endpoints/introspect.js'
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
import { LoginThrottle } from './abuse/login-throttle.js'
import { ensureSigningKeys, KeySet } from './key-set.js'
import { errorPage } from './pages.js'

export interface AuthorizationServer {
  /** Answers one request. Never throws: unexpected failures become a generic 500 without detail. */
  handle(request: OAuthRequest): Promise<OAuthResponse>
  /** The discovery document (RFC 8414). */
  metadata(): Record<string, unknown>
  readonly issuer: string
  readonly urls: EndpointUrls
  readonly config: ResolvedConfig
  readonly keys: KeySet
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
  await ensureSigningKeys(resolved.store, resolved.secret, resolved.now())
  const keys = new KeySet(resolved.store, resolved.secret, resolved.now)
  const urls = endpointUrls(resolved.issuer)
  const loginThrottle = new LoginThrottle(config.counters ?? createMemoryCounterStore(), resolved.loginThrottle)
  const ctx: ServerContext = { config: resolved, keys, urls, loginThrottle }
  const table = routes(new Map(GRANTS.map((grant) => [grant.type, grant])))

  async function dispatch(request: OAuthRequest): Promise<OAuthResponse> {
    const path = request.url.pathname
    if (!path.startsWith(resolved.basePath)) return notFound()
    const local = path.slice(resolved.basePath.length) || '/'
    if (request.body && request.body.byteLength > DEFAULT_BODY_LIMIT) {
      return jsonResponse(413, { error: 'invalid_request', error_description: 'Request body too large' })
    }
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
    metadata: () => serverMetadata(ctx),
    async handle(request) {
      try {
        return await dispatch(request)
      } catch (error) {
        const local = request.url.pathname.slice(resolved.basePath.length)
        const oauthError = error instanceof OAuthError ? error : new OAuthError('server_error', 'The server could not complete the request')
        if (!(error instanceof OAuthError)) resolved.logger?.error({ err: error, path: request.url.pathname }, 'unhandled error')
        return HTML_PATHS.test(local) ? errorPage(ctx, oauthError) : jsonResponse(oauthError.status, oauthError.toJSON())
      }
    },
  }
}

function notFound(): OAuthResponse {
  return jsonResponse(404, { error: 'invalid_request', error_description: 'Not found' })
}
