import type { OAuthError } from '../errors.js'
import { isLoopbackHost } from '../protocol/rfc6749/redirect-uri.js'
import { parseScope } from '../protocol/rfc6749/scope.js'
import { MAX_CLOCK_TOLERANCE } from '../protocol/rfc9068/access-token-claims.js'
import { protectedResourceMetadataUrl } from './metadata.js'
import { resolveDpop, type DpopResourceOptions, type ResolvedDpop } from './dpop.js'

/** Algorithms accepted when `algorithms` is not given: asymmetric only (RFC 8725 §3.1, §3.2). */
export const DEFAULT_ACCESS_TOKEN_ALGORITHMS: readonly string[] = ['ES256', 'RS256', 'PS256', 'EdDSA']

/** Every algorithm a resource server may be configured for. `none` and HMAC can never be. */
const ASYMMETRIC_ALGORITHMS = new Set(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519'])

/** How a resource server checks opaque tokens at the authorization server (RFC 7662). */
export interface IntrospectionOptions {
  /** This resource server's client credentials at the authorization server (RFC 7662 §2.1). */
  clientId: string
  clientSecret: string
  /** Defaults to `introspection_endpoint` from the authorization server's metadata. */
  endpoint?: string
  /** Seconds an `active: true` answer is reused (default 30; 0 asks every time). Never beyond `exp`. */
  cacheTtl?: number
}

/**
 * A further authorization server whose JWT access tokens the API accepts (`trustedIssuers`). A token's
 * `iss` selects the entry; its signature is checked only against that issuer's own JWKS and its `aud`
 * against that issuer's audience, so one issuer's keys never vouch for another's tokens (RFC 8725 §3.8).
 */
export interface TrustedIssuer {
  /** The issuer identifier, compared exactly with `iss`. */
  issuer: string
  /** Defaults to `jwks_uri` from this issuer's metadata (RFC 8414 §3). */
  jwksUri?: string
  /** The `aud` this issuer's tokens must name; default the resource server's `audience`. */
  audience?: string
  /** The only scopes this issuer's tokens can grant here (others they claim are dropped); default all. */
  scopes?: string[]
}

/** Configuration of `createResourceServer`: the issuer to trust, this API's identifier and how tokens are checked. */
export interface ResourceServerOptions {
  /** The authorization server's issuer identifier, compared exactly with `iss` (RFC 9068 §4). */
  issuer: string
  /** This API's identifier: tokens must name it in `aud` (RFC 9068 §4, RFC 8707 §2). */
  audience: string
  /** Defaults to `jwks_uri` from `<issuer>/.well-known/oauth-authorization-server` (RFC 8414 §3). */
  jwksUri?: string
  /**
   * Further issuers whose JWT access tokens are accepted, each with its own keys and audience (RFC 9728
   * §7.6: a resource may name several authorization servers; all are listed in `authorization_servers`).
   * Introspection, when configured, still asks `issuer` only.
   */
  trustedIssuers?: TrustedIssuer[]
  /**
   * Accepted JWS algorithms (default ES256, RS256, PS256, EdDSA). When `jwksUri` is discovered, they are
   * narrowed to the issuer's `id_token_signing_alg_values_supported` if listed (its metadata names no
   * access token algorithm). `none` and HMAC are refused.
   */
  algorithms?: string[]
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat` (default 30, at most 300). */
  clockTolerance?: number
  /** Verify tokens that are not JWTs with RFC 7662 introspection. */
  introspection?: IntrospectionOptions
  /**
   * Instead of `introspection`: a function answering as RFC 7662 would, for an API running in the
   * authorization server's process (`server.introspect` of `tessera-oidc/server`). Answers are validated like
   * introspection responses and never cached, so a revocation shows at once.
   */
  introspect?: (token: string) => Promise<unknown>
  /** `realm` of the challenges (default: the audience). */
  realm?: string
  /**
   * `resource_metadata` of every challenge (RFC 9728 §5.1), where clients discover the authorization server.
   * Default: the metadata location of the audience (`https://api.example.com/notes` →
   * `https://api.example.com/.well-known/oauth-protected-resource/notes`, RFC 9728 §3.1), which
   * `metadataPath` serves; set it when the metadata is published elsewhere (behind a proxy, say). An
   * audience that is not an http(s) URL has no default, and its challenges carry no `resource_metadata`.
   */
  resourceMetadataUrl?: string
  /** Scopes this API understands, advertised as `scopes_supported` (RFC 9728 §2). */
  scopesSupported?: string[]
  /** Most verification results kept in memory (default 10 000). */
  maxCacheEntries?: number
  /** Seconds a token with an unknown `kid` waits before the key set is fetched again (default 30). */
  jwksCooldown?: number
  /** Replaces the global `fetch` for discovery, JWKS and introspection. */
  fetch?: typeof fetch
  /** Current time in seconds; for tests. */
  now?: () => number
  /** Sees every refusal with its operator-only `detail` (for logging); never changes the answer. */
  onError?: (error: OAuthError) => void
  /**
   * Accept DPoP-bound tokens under the `DPoP` scheme (RFC 9449 §7) and announce it in challenges. A
   * DPoP-bound token presented as a bearer token is refused with or without this option (§7.2).
   */
  dpop?: DpopResourceOptions
}

export interface ResolvedIntrospection {
  clientId: string
  clientSecret: string
  endpoint: string | undefined
  cacheTtl: number
}

/** One issuer whose JWT access tokens are accepted: `issuer` itself first, then `trustedIssuers`. */
export interface ResolvedIssuer {
  issuer: string
  jwksUri: string | undefined
  audience: string
  /** Undefined: every scope the token claims. */
  scopes: readonly string[] | undefined
}

export interface ResolvedResourceConfig {
  issuer: string
  audience: string
  jwksUri: string | undefined
  /** Every accepted issuer, the configured `issuer` first. */
  issuers: ResolvedIssuer[]
  algorithms: string[]
  clockTolerance: number
  introspection: ResolvedIntrospection | undefined
  introspect: ((token: string) => Promise<unknown>) | undefined
  realm: string
  resourceMetadataUrl: string | undefined
  scopesSupported: string[] | undefined
  maxCacheEntries: number
  jwksCooldown: number
  fetch: typeof fetch
  now: () => number
  onError: ((error: OAuthError) => void) | undefined
  dpop: ResolvedDpop | undefined
}

/**
 * A configuration mistake, thrown by `createResourceServer`, naming the field and the fix.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export class ResourceConfigError extends Error {
  constructor(field: string, problem: string) {
    super(`Invalid resource server configuration: ${field} ${problem}`)
    this.name = 'ResourceConfigError'
  }
}

/**
 * The URL as given if it is https, or http on a loopback host (local development); else a config error.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function requireSecureUrl(field: string, value: unknown): string {
  let url: URL
  try {
    url = new URL(String(value))
  } catch {
    throw new ResourceConfigError(field, `must be an absolute URL, got ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ResourceConfigError(field, 'must use https (plain http is allowed only for localhost/127.0.0.1)')
  }
  return String(value)
}

function resolveIssuers(primary: ResolvedIssuer, trusted: TrustedIssuer[] | undefined): ResolvedIssuer[] {
  if (trusted === undefined) return [primary]
  if (!Array.isArray(trusted)) throw new ResourceConfigError('trustedIssuers', 'must be a list of { issuer, jwksUri?, audience?, scopes? }')
  const issuers = [primary]
  trusted.forEach((entry, index) => {
    const field = `trustedIssuers[${index}]`
    const issuer = requireSecureUrl(`${field}.issuer`, entry.issuer)
    if (issuer.includes('?') || issuer.includes('#')) throw new ResourceConfigError(`${field}.issuer`, 'must not have a query or fragment')
    if (issuers.some((known) => known.issuer === issuer)) throw new ResourceConfigError(`${field}.issuer`, `is listed twice (${issuer}): each issuer has one set of keys and one audience`)
    if (entry.audience !== undefined && (typeof entry.audience !== 'string' || entry.audience === '')) {
      throw new ResourceConfigError(`${field}.audience`, 'must be the identifier this issuer\'s tokens name in aud')
    }
    if (entry.scopes !== undefined && (!Array.isArray(entry.scopes) || entry.scopes.some((scope) => typeof scope !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)))) {
      throw new ResourceConfigError(`${field}.scopes`, 'must list RFC 6749 §3.3 scope tokens, e.g. ["notes:read"]')
    }
    issuers.push({
      issuer,
      jwksUri: entry.jwksUri === undefined ? undefined : requireSecureUrl(`${field}.jwksUri`, entry.jwksUri),
      audience: entry.audience ?? primary.audience,
      scopes: entry.scopes === undefined ? undefined : [...entry.scopes],
    })
  })
  return issuers
}

function numberIn(field: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ResourceConfigError(field, `must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return value
}

/**
 * Validates the options once, at construction, naming the field and the fix.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3.1
 */
export function resolveResourceConfig(options: ResourceServerOptions): ResolvedResourceConfig {
  const issuer = requireSecureUrl('issuer', options.issuer)
  // RFC 8414 §2: the issuer has no query or fragment.
  if (issuer.includes('?') || issuer.includes('#')) throw new ResourceConfigError('issuer', 'must not have a query or fragment')
  if (typeof options.audience !== 'string' || options.audience === '') {
    throw new ResourceConfigError('audience', 'must be this API\'s identifier, e.g. "https://api.example.com"')
  }
  const algorithms = options.algorithms ?? [...DEFAULT_ACCESS_TOKEN_ALGORITHMS]
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw new ResourceConfigError('algorithms', 'must list at least one algorithm')
  for (const alg of algorithms) {
    // RFC 8725 §3.1–3.2: never `none`; HMAC would need a secret shared with every resource server.
    if (!ASYMMETRIC_ALGORITHMS.has(alg)) {
      throw new ResourceConfigError('algorithms', `must contain asymmetric JWS algorithms only (${[...ASYMMETRIC_ALGORITHMS].join(', ')}), got ${JSON.stringify(alg)}`)
    }
  }
  if (options.introspect !== undefined && typeof options.introspect !== 'function') throw new ResourceConfigError('introspect', 'must be a function')
  if (options.introspect && options.introspection) throw new ResourceConfigError('introspect', 'and introspection exclude each other: one way to verify tokens that are not JWTs')
  let introspection: ResolvedIntrospection | undefined
  if (options.introspection) {
    const { clientId, clientSecret, endpoint, cacheTtl } = options.introspection
    if (typeof clientId !== 'string' || clientId === '') throw new ResourceConfigError('introspection.clientId', 'is required')
    if (typeof clientSecret !== 'string' || clientSecret === '') throw new ResourceConfigError('introspection.clientSecret', 'is required')
    introspection = {
      clientId,
      clientSecret,
      endpoint: endpoint === undefined ? undefined : requireSecureUrl('introspection.endpoint', endpoint),
      cacheTtl: numberIn('introspection.cacheTtl', cacheTtl, 30, 0, 3600),
    }
  }
  const maxCacheEntries = numberIn('maxCacheEntries', options.maxCacheEntries, 10_000, 0, 10_000_000)
  if (!Number.isInteger(maxCacheEntries)) throw new ResourceConfigError('maxCacheEntries', 'must be an integer')
  if (options.scopesSupported !== undefined) {
    try {
      // RFC 6749 §3.3 scope-token syntax; one token per entry.
      if (options.scopesSupported.some((scope) => parseScope(scope).length !== 1)) throw new Error('empty or space-separated entry')
    } catch {
      throw new ResourceConfigError('scopesSupported', 'must list single RFC 6749 §3.3 scope tokens, e.g. ["notes:read"]')
    }
  }
  const jwksUri = options.jwksUri === undefined ? undefined : requireSecureUrl('jwksUri', options.jwksUri)
  return {
    issuer,
    audience: options.audience,
    jwksUri,
    issuers: resolveIssuers({ issuer, jwksUri, audience: options.audience, scopes: undefined }, options.trustedIssuers),
    algorithms: [...new Set(algorithms)],
    clockTolerance: numberIn('clockTolerance', options.clockTolerance, 30, 0, MAX_CLOCK_TOLERANCE),
    introspection,
    introspect: options.introspect,
    realm: options.realm ?? options.audience,
    resourceMetadataUrl: options.resourceMetadataUrl ?? protectedResourceMetadataUrl(options.audience),
    scopesSupported: options.scopesSupported ? [...options.scopesSupported] : undefined,
    maxCacheEntries,
    jwksCooldown: numberIn('jwksCooldown', options.jwksCooldown, 30, 0, 3600),
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    onError: options.onError,
    dpop: options.dpop === undefined ? undefined : resolveDpop(options.dpop, options.audience, (field, problem) => new ResourceConfigError(field, problem)),
  }
}
