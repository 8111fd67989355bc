import { receiveBackchannelLogout, type BackchannelDeps, type BackchannelLogoutReceiverOptions } from './backchannel-logout.js'
import type { ClientContext, ClientRedirect } from './context.js'
import { ClientConfigError } from './errors.js'
import { authorizeAccessToken, authorizeRedirect, type AuthorizeRedirectOptions, type LoginResult } from './login.js'
import { logout, revokeToken, type LogoutOptions, type LogoutResult } from './logout.js'
import type { ProviderRegistration } from './provider.js'
import { refreshSession } from './refresh.js'
import { createRegistry } from './registry.js'
import { fetchWithSession, requireSession, type ResourceDeps, type ResourceRequestInit } from './resource.js'
import type { ClientLogger, Runtime } from './runtime.js'
import { deriveKeys } from './seal.js'
import { loadSession } from './session.js'
import type { RelyingPartyStore } from './store.js'
import type { TokenSet } from './token-set.js'
import type { ClientUser } from './user.js'
import { readUserinfo } from './userinfo.js'

/** Configuration of the relying party (`createOAuth`): its store, secret and providers. */
export interface OAuthOptions {
  /** Where transactions and sessions live: `createMemoryClientStore()`, `openSqliteClientStore(…)`, or for several instances `openPostgresClientStore(…)` / `openRedisClientStore(…)`. */
  store: RelyingPartyStore
  /** At least 32 characters: signs cookies and (through HKDF) encrypts tokens at rest. */
  secret: string
  /** Transport for every provider request (a proxy, a test double); default the global `fetch`. */
  fetch?: typeof fetch
  /** Per provider request, milliseconds; default 10 000. */
  timeoutMs?: number
  /** Local session lifetime in seconds, absolute: use never extends it; default 7 days. */
  sessionMaxAge?: number
  /**
   * Seconds a local session may go unused before it ends (ASVS 7.3.1); default 1 day, at most
   * `sessionMaxAge`. Each use of the session (`currentUser`, `fetch`, …) restarts it.
   */
  sessionIdleTimeout?: number
  /** Refresh access tokens this many seconds before they expire; default 30. */
  refreshLeeway?: number
  /**
   * Milliseconds an instance holds a session's refresh lease in the shared store, so that of the
   * instances behind a load balancer one at a time refreshes a session; default `timeoutMs` + 5000. Longer
   * than `timeoutMs`: a holder still waiting for the provider must not lose the lease to another instance,
   * whose second grant a provider with reuse detection would answer by revoking the tokens. A holder that
   * dies frees the session after this long.
   */
  refreshLeaseMs?: number
  /**
   * Milliseconds a request waits for another instance's refresh of its session before failing with
   * `provider_unreachable` (the session stays); default `refreshLeaseMs` + 5000, so that a waiter
   * outlasts the lease of a holder that died and refreshes in its place.
   */
  refreshWaitMs?: number
  logger?: ClientLogger
  /** Seconds since the epoch; injectable for tests. */
  now?: () => number
}

/** "Log in with …" for one app. */
export interface OAuth {
  /** Registers a provider; validated now, discovered on first use. */
  register(registration: ProviderRegistration): void
  /** Runs discovery now (e.g. at startup) so misconfiguration fails early. */
  discover(name: string): Promise<void>
  /** Starts a login at provider `name`: the redirect to its authorization endpoint, with state, nonce and PKCE kept in a transaction. */
  authorizeRedirect(ctx: ClientContext, name: string, redirectUri: string, options?: AuthorizeRedirectOptions): Promise<ClientRedirect>
  /** Completes a login at the callback: validates the response, exchanges the code and starts the session. */
  authorizeAccessToken(ctx: ClientContext, name: string): Promise<LoginResult>
  /** The signed-in user, or undefined. */
  currentUser(ctx: ClientContext): Promise<ClientUser | undefined>
  /** The signed-in user's claims from the provider's userinfo endpoint (OpenID Connect Core §5.3). */
  userinfo(ctx: ClientContext): Promise<Record<string, unknown>>
  /** Forces a refresh now (single-flight per session). */
  refreshToken(ctx: ClientContext): Promise<TokenSet>
  /** Revokes the session's refresh (default) or access token at the provider (RFC 7009). */
  revokeToken(ctx: ClientContext, which?: 'refresh_token' | 'access_token'): Promise<void>
  /** Ends the session, revokes its token and gives the provider's logout URL when it has one. */
  logout(ctx: ClientContext, options?: LogoutOptions): Promise<LogoutResult>
  /** Calls a protected resource with the session's access token, refreshed first when it is about to expire. */
  fetch(ctx: ClientContext, url: string | URL, init?: ResourceRequestInit): Promise<Response>
  /**
   * The back-channel logout endpoint (OpenID Connect Back-Channel Logout 1.0): validates the provider's
   * logout token and ends the matching sessions in the store; 200, or 400 `invalid_request` (§2.8).
   *
   * @example app.post('/backchannel-logout', (c) => oauth.backchannelLogout(c.req.raw))
   */
  backchannelLogout(request: Request, options?: BackchannelLogoutReceiverOptions): Promise<Response>
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) throw new ClientConfigError(`createOAuth: ${name} must be a positive number`)
  return value
}

/**
 * A custom store written for an earlier version (in JavaScript, or typed against the older interface) may
 * lack the lease methods: refused now, by name, rather than failing at the first refresh; and never run
 * without them, since without a cluster-wide lease two instances can refresh one session at once and lose it.
 */
function requireLeaseMethods(store: RelyingPartyStore): void {
  const sessions: Partial<RelyingPartyStore['sessions']> = store.sessions
  const missing = (['replaceTokens', 'refreshLease'] as const).filter((name) => typeof sessions[name] !== 'function')
  if (missing.length > 0) {
    throw new ClientConfigError(`createOAuth: the store's sessions lack ${missing.join(' and ')}, which keep the instances sharing it from refreshing one session at once (see RelyingPartyStore)`)
  }
}

/**
 * Creates the relying party: providers are registered on it, and each route hands it a `ClientContext`.
 *
 * @example
 * ```ts
 * const oauth = createOAuth({ store: createMemoryClientStore(), secret: process.env.APP_SECRET! })
 * oauth.register({ name: 'google', preset: 'google', clientId, clientSecret, scope: 'openid email profile' })
 * // login route:    return oauth.authorizeRedirect(ctx, 'google', 'https://app.example/cb', { returnTo: '/profile' })
 * // callback route: const { user, returnTo } = await oauth.authorizeAccessToken(ctx, 'google')
 * ```
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 */
export function createOAuth(options: OAuthOptions): OAuth {
  if (!options.store) throw new ClientConfigError('createOAuth: store is required (createMemoryClientStore() or openSqliteClientStore())')
  if (typeof options.secret !== 'string' || options.secret.length < 32) {
    throw new ClientConfigError('createOAuth: secret must be at least 32 characters (e.g. `openssl rand -base64 32`)')
  }
  const sessionMaxAge = positive('sessionMaxAge', options.sessionMaxAge, 7 * 24 * 3600)
  const sessionIdleTimeout = positive('sessionIdleTimeout', options.sessionIdleTimeout, Math.min(24 * 3600, sessionMaxAge))
  if (sessionIdleTimeout > sessionMaxAge) throw new ClientConfigError('createOAuth: sessionIdleTimeout must be at most sessionMaxAge')
  const timeoutMs = positive('timeoutMs', options.timeoutMs, 10_000)
  const refreshLeaseMs = positive('refreshLeaseMs', options.refreshLeaseMs, timeoutMs + 5000)
  if (refreshLeaseMs <= timeoutMs) throw new ClientConfigError('createOAuth: refreshLeaseMs must be longer than timeoutMs, or a slow refresh loses its lease to another instance')
  const refreshWaitMs = positive('refreshWaitMs', options.refreshWaitMs, refreshLeaseMs + 5000)
  requireLeaseMethods(options.store)
  const runtime: Runtime = {
    store: options.store,
    keys: deriveKeys(options.secret),
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    logger: options.logger,
    sessionMaxAge,
    sessionIdleTimeout,
    refreshLeeway: positive('refreshLeeway', options.refreshLeeway, 30),
    refreshLeaseMs,
    refreshWaitMs,
  }
  const transport = { fetch: options.fetch, timeoutMs }
  const registry = createRegistry({ transport, warn: (message) => (options.logger ? options.logger.warn({ event: 'rp_insecure_option' }, message) : console.warn(`tessera/client: ${message}`)) })
  const deps: ResourceDeps = { runtime, registry, inflight: new Map(), transport }
  const backchannel: BackchannelDeps = { runtime, registry, transport, keys: new Map() }

  return {
    register: (registration) => registry.register(registration),
    discover: async (name) => {
      await registry.resolve(name)
    },
    authorizeRedirect: (ctx, name, redirectUri, redirectOptions) => authorizeRedirect(runtime, registry, ctx, name, redirectUri, redirectOptions),
    authorizeAccessToken: (ctx, name) => authorizeAccessToken(runtime, registry, ctx, name),
    currentUser: async (ctx) => (await loadSession(runtime, ctx))?.user,
    userinfo: (ctx) => readUserinfo(deps, ctx),
    refreshToken: async (ctx) => {
      const session = await requireSession(deps, ctx)
      return refreshSession(deps, session, session.tokens)
    },
    revokeToken: (ctx, which) => revokeToken(deps, ctx, which),
    logout: (ctx, logoutOptions) => logout(deps, ctx, logoutOptions),
    fetch: (ctx, url, init) => fetchWithSession(deps, ctx, url, init),
    backchannelLogout: (request, receiveOptions) => receiveBackchannelLogout(backchannel, request, receiveOptions),
  }
}

