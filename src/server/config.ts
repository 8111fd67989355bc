import { isResourceIndicator } from '../protocol/rfc8707/resource-indicator.js'
import type { Logger } from 'pino'
import type { ServerObserver } from './observer.js'
import type { Capability } from './context.js'
import type { AccessTokenFormat, DpopSettings, Lifetimes, ResolvedConfig, ResourceConfig } from './settings.js'
import { DPOP_ALGORITHMS } from '../protocol/rfc9449/proof.js'
import { timeDerivedNonces } from '../protocol/rfc9449/nonce.js'
import { isSigningAlgorithm, type SigningAlgorithm } from '../jwt/keys.js'
import { isLoopbackHost } from '../protocol/rfc6749/redirect-uri.js'
import { OIDC_SCOPES } from '../protocol/oidc/claims.js'
import type { Store } from '../storage/types.js'
import type { OutboundPolicy } from '../http/guarded-fetch.js'
import { DEFAULT_ASSERTION_POLICY, type AssertionPolicy } from '../protocol/rfc7523/client-assertion.js'
import { DEFAULT_AUDIT_RETENTION } from './audit/sink.js'
import { createClientAddressResolver, type ClientAddressResolver, type ForwardedHeader } from '../http/client-address.js'
import { resolveClientLimits, type ClientLimitPolicy } from './abuse/client-limits.js'
import type { CounterStore } from './abuse/counter.js'
import { DEFAULT_LOGIN_POLICY, type LoginThrottlePolicy } from './abuse/login-throttle.js'
import { defaultPageRenderer, PAGE_RENDERER_METHODS, type PageRenderer } from './pages.js'
import { resolveUiSettings, type UiConfig } from './theme/settings.js'


export type { AccessTokenFormat, DpopSettings, Lifetimes, ResolvedConfig, ResourceConfig } from './settings.js'

export const ACCESS_TOKEN_FORMATS: readonly AccessTokenFormat[] = ['jwt', 'opaque']

export function isAccessTokenFormat(value: unknown): value is AccessTokenFormat {
  return typeof value === 'string' && (ACCESS_TOKEN_FORMATS as readonly string[]).includes(value)
}

/** Configuration of `createAuthorizationServer`, validated once at construction. */
export interface AuthorizationServerConfig {
  /** The issuer identifier, used verbatim in metadata and tokens (RFC 8414 §2). https unless loopback. */
  issuer: string
  store: Store
  /**
   * Encrypts signing keys at rest and keys session and CSRF MACs; at least 32 characters. A list when
   * rotating, newest first: the newest seals and signs, the older ones still open and verify what they
   * sealed (`tessera-oidc secret rotate` then re-keys the signing keys under the newest).
   */
  secret: string | readonly string[]
  resources?: ResourceConfig[]
  lifetimes?: Partial<Lifetimes>
  /** Algorithm of JWT access tokens (default ES256: several times faster to sign than RS256). */
  accessTokenSigningAlg?: SigningAlgorithm
  /**
   * Format of new access tokens (default `jwt`). `opaque` tokens disclose no claims to clients and end at
   * once when revoked, but resource servers must introspect them. Tokens issued earlier in the other
   * format stay valid until they expire, so switching logs nobody out.
   */
  accessTokenFormat?: AccessTokenFormat
  logger?: Logger
  /** Seconds an audit record stays in the store (purged after); default 90 days. */
  auditRetention?: number
  /** Seconds since the epoch; injectable for tests. */
  now?: () => number
  /** Display name on pages; default "Tessera". */
  productName?: string
  /** Login throttling (ASVS 6.3.1); defaults to `DEFAULT_LOGIN_POLICY`. */
  loginThrottle?: Partial<LoginThrottlePolicy>
  /** Where abuse counters live; in memory by default, shared (Redis) when running several instances. */
  counters?: CounterStore
  /** Failure limits at the token, introspection and revocation endpoints; defaults to `DEFAULT_CLIENT_LIMITS`. */
  clientLimits?: Partial<ClientLimitPolicy>
  /**
   * Reverse proxies whose forwarding header names the client address for the abuse limits: IPs or CIDR
   * ranges. Default none: the socket peer is the client, whatever `X-Forwarded-For` says.
   */
  trustedProxies?: string[]
  /** The header those proxies set: `x-forwarded-for` (default) or RFC 7239 `forwarded`. */
  forwardedHeader?: ForwardedHeader
  /**
   * Capabilities beyond the core ones (`CORE_CAPABILITIES`): their endpoints, grants, client
   * authentication methods and metadata join the server's. A name, path or grant type registered twice
   * is a `ConfigError`.
   */
  capabilities?: readonly Capability[]
  /** Sees every answered request and every audit event: metrics (`createPrometheusMetrics`), tracing. */
  observer?: ServerObserver
  /**
   * Renders the sign-in, consent, logout and error pages from their view models; default Tessera's own
   * (`defaultPageRenderer`). Spread the default to replace some pages only.
   */
  pages?: PageRenderer
  /**
   * Languages and look of the pages: `defaultLocale`, extra or amended `catalogues` (keys as in `en`),
   * the offered `locales`, and a `theme` (colours, logo, stylesheet). See README "Look and language".
   */
  ui?: UiConfig
  /** Settings for local development and tests only; each relaxation logs a warning at start. */
  development?: DevelopmentSettings
  /**
   * The policy of the one SSRF guard (`guardedFetch`) for URLs that clients supply (client ID metadata
   * documents): its time and size limits, and for tests a resolver, a CA and addresses treated as public
   * (catalogue wave 2 §0.4). Loopback is governed by `development.allowLoopbackFetch` only.
   */
  outbound?: Omit<OutboundPolicy, 'allowLoopback'>
  /**
   * RFC 9449 §5: every token request must carry a DPoP proof, so every access token is sender-constrained
   * (default false: a proof is optional, except for clients registered with `dpop_bound_access_tokens`).
   */
  requireDpop?: boolean
  /**
   * RFC 9449 §8: DPoP proofs at the token endpoint must carry a nonce this server supplied (`DPoP-Nonce`,
   * `use_dpop_nonce`). Nonces are derived from the time and `secret`, so every instance agrees without storage.
   */
  dpopNonces?: boolean
  /**
   * JWT client authentication (`private_key_jwt`, `client_secret_jwt`): the longest assertion lifetime
   * (default 300 s, at most 600), the clock skew (default 60 s, at most 60), and `legacyAudiences`, which
   * also accepts the token endpoint URL or an array holding the issuer as `aud` — what older clients send,
   * refused by default since the 2025 audience-injection findings (7523bis §4, catalogue JA-01).
   * Weakening: it logs a warning, and `profile: 'fapi2'` refuses it.
   */
  clientAssertions?: Partial<AssertionPolicy>
  /**
   * `fapi2`: the FAPI 2.0 Security Profile as one switch — PAR required, PKCE S256, DPoP-bound access tokens
   * only, `private_key_jwt` only, PS256/ES256/EdDSA only, codes living at most 60 s; discovery says so. A
   * setting that contradicts it (`requireDpop: false`, `clientAssertions.legacyAudiences`, an RS256
   * `accessTokenSigningAlg`, a longer code lifetime, a PAR capability not `required`) is a `ConfigError`.
   * Clients registered with RS256 ID tokens are refused (`invalid_client`), not silently given ES256 ones.
   */
  profile?: 'fapi2'
  /**
   * Every user must pass a second factor (TOTP or a recovery code) at every login; one without is taken
   * to enrolment right after the password (default false: per user and per client, see `setUserRequireMfa`
   * and `setClientRequireMfa`). Refresh tokens of grants below it are refused (catalogue MF-08).
   */
  requireMfa?: boolean
}

/** Relaxations for local development and tests only; each logs a warning at start. */
export interface DevelopmentSettings {
  /**
   * Let the SSRF guard fetch plain http URLs on loopback (127.0.0.0/8, ::1) — client ID metadata documents
   * served on this machine, for local use and tests (`tessera-oidc serve --allow-loopback-fetch`). Refused with
   * an https issuer: a deployed server must never reach its own host's services for a client.
   */
  allowLoopbackFetch?: boolean
}

/** An invalid configuration, naming the field and the fix. */
export class ConfigError extends Error {
  constructor(field: string, problem: string) {
    super(`Invalid Tessera configuration: ${field} ${problem}`)
    this.name = 'ConfigError'
  }
}

/** The longest rotation grace (`lifetimes.refreshTokenReuseGrace`) a server accepts, in seconds. */
export const MAX_REFRESH_TOKEN_REUSE_GRACE = 60

const DEFAULT_LIFETIMES: Lifetimes = {
  authorizationCode: 60,
  accessToken: 3600,
  idToken: 3600,
  refreshToken: 30 * 24 * 3600,
  refreshTokenReuseGrace: 0,
  session: 14 * 24 * 3600,
  sessionIdle: 24 * 3600,
  interaction: 600,
}

/** Validates configuration once, at construction, naming the field and the fix. */
export function resolveConfig(config: AuthorizationServerConfig): ResolvedConfig {
  let issuerUrl: URL
  try {
    issuerUrl = new URL(config.issuer)
  } catch {
    throw new ConfigError('issuer', `must be an absolute URL, got ${JSON.stringify(config.issuer)}`)
  }
  // RFC 8414 §2: https, no query, no fragment.
  if (issuerUrl.search !== '' || issuerUrl.hash !== '' || config.issuer.includes('#') || config.issuer.includes('?')) {
    throw new ConfigError('issuer', 'must not have a query or fragment')
  }
  const secure = issuerUrl.protocol === 'https:'
  if (!secure && !(issuerUrl.protocol === 'http:' && isLoopbackHost(issuerUrl.hostname))) {
    throw new ConfigError('issuer', 'must use https (plain http is allowed only for localhost/127.0.0.1)')
  }
  const secrets: readonly unknown[] = typeof config.secret === 'string' ? [config.secret] : Array.isArray(config.secret) ? config.secret : []
  if (secrets.length === 0 || !secrets.every((secret): secret is string => typeof secret === 'string' && secret.length >= 32)) {
    throw new ConfigError('secret', 'must be at least 32 characters, or a list of such secrets newest first (set TESSERA_SECRET)')
  }
  const [secret = '', ...previousSecrets] = secrets as readonly string[]
  const alg = config.accessTokenSigningAlg ?? 'ES256'
  if (!isSigningAlgorithm(alg)) throw new ConfigError('accessTokenSigningAlg', `is not supported: ${String(alg)}`)
  const accessTokenFormat = config.accessTokenFormat ?? 'jwt'
  if (!isAccessTokenFormat(accessTokenFormat)) {
    throw new ConfigError('accessTokenFormat', `must be "jwt" or "opaque", got ${JSON.stringify(accessTokenFormat)}`)
  }

  const lifetimes = { ...DEFAULT_LIFETIMES, ...config.lifetimes }
  // A short absolute lifetime without an idle one is not an error: the idle timeout follows it down.
  if (config.lifetimes?.sessionIdle === undefined) lifetimes.sessionIdle = Math.min(lifetimes.sessionIdle, lifetimes.session)
  for (const [name, value] of Object.entries(lifetimes)) {
    if (name === 'refreshTokenReuseGrace') continue
    if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`lifetimes.${name}`, 'must be a positive integer (seconds)')
  }
  // Zero is off; the bound keeps what a replayed token can win to a retry's window.
  const grace = lifetimes.refreshTokenReuseGrace
  if (!Number.isInteger(grace) || grace < 0 || grace > MAX_REFRESH_TOKEN_REUSE_GRACE) {
    throw new ConfigError('lifetimes.refreshTokenReuseGrace', `must be an integer from 0 (off, the default) to ${MAX_REFRESH_TOKEN_REUSE_GRACE} seconds, got ${JSON.stringify(grace)}`)
  }
  if (lifetimes.sessionIdle > lifetimes.session) throw new ConfigError('lifetimes.sessionIdle', `must be at most lifetimes.session (${lifetimes.session} seconds)`)
  if (lifetimes.authorizationCode > 600) throw new ConfigError('lifetimes.authorizationCode', 'must be at most 600 seconds (RFC 6749 §4.1.2)')

  const auditRetention = config.auditRetention ?? DEFAULT_AUDIT_RETENTION
  if (!Number.isInteger(auditRetention) || auditRetention <= 0) throw new ConfigError('auditRetention', 'must be a positive integer (seconds)')

  let clientLimits: ClientLimitPolicy
  try {
    clientLimits = resolveClientLimits(config.clientLimits)
  } catch (error) {
    throw new ConfigError('clientLimits', (error as Error).message)
  }
  if (config.forwardedHeader !== undefined && config.forwardedHeader !== 'x-forwarded-for' && config.forwardedHeader !== 'forwarded') {
    throw new ConfigError('forwardedHeader', 'must be "x-forwarded-for" or "forwarded"')
  }
  let clientAddress: ClientAddressResolver | undefined
  try {
    clientAddress = config.trustedProxies?.length ? createClientAddressResolver({ trustedProxies: config.trustedProxies, header: config.forwardedHeader ?? 'x-forwarded-for' }) : undefined
  } catch (error) {
    throw new ConfigError('trustedProxies', `has ${(error as Error).message}`)
  }

  const pages = config.pages ?? defaultPageRenderer
  const missing = PAGE_RENDERER_METHODS.filter((method) => typeof pages[method] !== 'function')
  if (missing.length > 0) throw new ConfigError('pages', `must have the PageRenderer methods ${missing.join(', ')} (spread defaultPageRenderer to keep Tessera's)`)

  const productName = config.productName ?? 'Tessera'
  if (typeof productName !== 'string' || productName.trim() === '' || productName.length > 80) throw new ConfigError('productName', 'must be a name of 1 to 80 characters')
  const ui = resolveUiSettings(config.ui, productName, config.issuer, (field, problem) => {
    throw new ConfigError(field, problem)
  })

  const allowLoopbackFetch = config.development?.allowLoopbackFetch ?? false
  if (typeof allowLoopbackFetch !== 'boolean') throw new ConfigError('development.allowLoopbackFetch', 'must be a boolean')
  if (allowLoopbackFetch && secure) {
    throw new ConfigError('development.allowLoopbackFetch', 'must not be set with an https issuer: loopback fetches are for local development only')
  }
  if (allowLoopbackFetch) config.logger?.warn('development.allowLoopbackFetch: URLs supplied by clients may be fetched over plain http on loopback')

  const clientAssertions = { ...DEFAULT_ASSERTION_POLICY, ...config.clientAssertions }
  if (!Number.isInteger(clientAssertions.maxLifetimeSeconds) || clientAssertions.maxLifetimeSeconds <= 0 || clientAssertions.maxLifetimeSeconds > 600) {
    throw new ConfigError('clientAssertions.maxLifetimeSeconds', 'must be an integer from 1 to 600')
  }
  if (!Number.isInteger(clientAssertions.clockSkewSeconds) || clientAssertions.clockSkewSeconds < 0 || clientAssertions.clockSkewSeconds > 60) {
    throw new ConfigError('clientAssertions.clockSkewSeconds', 'must be an integer from 0 to 60')
  }
  if (typeof clientAssertions.legacyAudiences !== 'boolean') throw new ConfigError('clientAssertions.legacyAudiences', 'must be a boolean')
  if (clientAssertions.legacyAudiences) config.logger?.warn('clientAssertions.legacyAudiences: client assertions addressed to the token endpoint are accepted (audience injection, 7523bis §4)')

  const resources = config.resources ?? []
  const scopeDescriptions: Record<string, string> = {}
  for (const [index, resource] of resources.entries()) {
    if (!isResourceIndicator(resource.identifier)) {
      throw new ConfigError(`resources[${index}].identifier`, 'must be an absolute URI without a fragment (RFC 8707 §2)')
    }
    for (const [scope, description] of Object.entries(resource.scopes)) {
      if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope) || (OIDC_SCOPES as readonly string[]).includes(scope)) {
        throw new ConfigError(`resources[${index}].scopes`, `has an invalid or reserved scope ${JSON.stringify(scope)}`)
      }
      if (scope in scopeDescriptions) throw new ConfigError(`resources[${index}].scopes`, `repeats scope ${scope}`)
      scopeDescriptions[scope] = description
    }
  }

  return {
    issuer: config.issuer,
    basePath: issuerUrl.pathname.replace(/\/+$/, ''),
    secure,
    store: config.store,
    secret,
    previousSecrets,
    resources,
    lifetimes,
    accessTokenSigningAlg: alg,
    accessTokenFormat,
    logger: config.logger,
    auditRetention,
    now: config.now ?? (() => Math.floor(Date.now() / 1000)),
    productName,
    loginThrottle: { ...DEFAULT_LOGIN_POLICY, ...config.loginThrottle },
    clientLimits,
    clientAddress,
    scopesSupported: [...OIDC_SCOPES, ...Object.keys(scopeDescriptions)],
    scopeDescriptions,
    pages,
    ui,
    outbound: { ...config.outbound, allowLoopback: allowLoopbackFetch },
    dpop: resolveDpop(config, secret),
    clientAssertions,
    requireMfa: requireBoolean('requireMfa', config.requireMfa),
  }
}

function requireBoolean(field: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') throw new ConfigError(field, 'must be a boolean')
  return value === true
}

function resolveDpop(config: AuthorizationServerConfig, secret: string): DpopSettings {
  for (const field of ['requireDpop', 'dpopNonces'] as const) {
    if (config[field] !== undefined && typeof config[field] !== 'boolean') throw new ConfigError(field, 'must be a boolean')
  }
  return {
    required: config.requireDpop ?? false,
    algorithms: DPOP_ALGORITHMS,
    // The label keeps these nonces apart from any resource server's derived from the same secret.
    nonces: config.dpopNonces === true ? timeDerivedNonces(secret, `as|${config.issuer}`) : undefined,
  }
}

/** The resource whose scope list contains `scope`, if any. */
export function resourceForScope(config: ResolvedConfig, scope: string): ResourceConfig | undefined {
  return config.resources.find((resource) => scope in resource.scopes)
}
