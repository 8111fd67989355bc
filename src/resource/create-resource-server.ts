import { OAuthError } from '../errors.js'
import type { OAuthRequest, OAuthResponse } from '../http/types.js'
import { remoteKeyResolver } from '../jwt/remote-jwks.js'
import { looksLikeCompactJws } from '../jwt/shape.js'
import { decodeUnverified, type KeyResolver } from '../jwt/verify.js'
import { formatScope } from '../protocol/rfc6749/scope.js'
import { isBearerTokenSyntax } from '../protocol/rfc6750/bearer.js'
import { metadataSource, type AuthorizationServerMetadata } from './authorization-server-metadata.js'
import { VerificationCache } from '../cache/verification-cache.js'
import { ResourceConfigError, resolveResourceConfig, type ResolvedIssuer, type ResolvedResourceConfig, type ResourceServerOptions } from './config.js'
import { introspectAccessToken, validateIntrospectionResponse } from './introspection.js'
import { verifyJwtAccessToken, type VerifiedToken } from './jwt-verifier.js'
import {
  protectedResourceMetadata,
  protectedResourceMetadataPath,
  protectedResourceMetadataResponse,
  type ProtectedResourceMetadata,
} from './metadata.js'
import type { Principal, VerifyResult } from './principal.js'
import { presentedTokenFrom, type PresentedToken } from './request.js'
import { asDpopRefusal, boundKey, checkDpopRequest, type ResolvedDpop } from './dpop.js'
import { asOAuthError, bearerErrorResponse, type ChallengeContext } from './responses.js'
import { meetsAuthenticationRequirement, type AuthenticationRequirement } from '../protocol/rfc9470/authentication-requirement.js'

/** Checks the access tokens an API receives and answers its RFC 9728 metadata; see `createResourceServer`. */
export interface ResourceServer {
  readonly issuer: string
  readonly audience: string
  /** Where `metadataResponse` belongs (RFC 9728 §3.1), e.g. `/.well-known/oauth-protected-resource/api`. */
  readonly metadataPath: string
  /** Checks the bearer token of a request; never throws. */
  verify(request: OAuthRequest): Promise<VerifyResult>
  /** Checks a token obtained some other way; throws `OAuthError` (`invalid_token`, `temporarily_unavailable`). */
  verifyToken(token: string): Promise<Principal>
  /** `verify`, then `checkScopes`: a function to run per request. */
  requireScopes(...scopes: string[]): (request: OAuthRequest) => Promise<VerifyResult>
  /** 403 `insufficient_scope` unless `principal` was granted every scope in `scopes`. */
  checkScopes(principal: Principal, scopes: readonly string[]): VerifyResult
  /**
   * `verify`, then `checkScopes` and `checkAuthentication`: a route that also needs an `acr` or a recent
   * authentication (RFC 9470 step-up).
   */
  requireAccess(requirement: AccessRequirement): (request: OAuthRequest) => Promise<VerifyResult>
  /**
   * RFC 9470 §3: 401 `insufficient_user_authentication` with `acr_values` and `max_age` in the challenge
   * unless the token's `acr` is one of `acrValues` and its `auth_time` at most `maxAge` seconds ago.
   */
  checkAuthentication(principal: Principal, requirement: AuthenticationRequirement): VerifyResult
  /** Drops the cached verification of `token`: the next request verifies (or introspects) it again. */
  revoke(token: string): void
  /** Drops every cached verification. */
  clear(): void
  /** This API's protected resource metadata (RFC 9728 §2). */
  protectedResourceMetadata(): ProtectedResourceMetadata
  /** The answer to a request for `metadataPath`. */
  metadataResponse(request: OAuthRequest): OAuthResponse
}

/** What one route needs: scopes (RFC 6750 §3.1) and the user's authentication (RFC 9470 §3). */
export interface AccessRequirement extends AuthenticationRequirement {
  scopes?: readonly string[] | undefined
}

interface JwtKeys {
  keys: KeyResolver
  algorithms: string[]
}

/**
 * Narrows the configured algorithms to those the issuer advertises. Its metadata lists no access token
 * algorithm, so `id_token_signing_alg_values_supported` (OIDC Discovery §3) stands in for it.
 */
function advertisedAlgorithms(config: ResolvedResourceConfig, issuer: string, metadata: AuthorizationServerMetadata): string[] {
  const advertised = metadata.id_token_signing_alg_values_supported
  if (!advertised) return config.algorithms
  const algorithms = config.algorithms.filter((alg) => advertised.includes(alg))
  if (algorithms.length === 0) {
    throw new OAuthError('server_error', 'The request could not be verified', {
      detail: `none of the configured algorithms (${config.algorithms.join(', ')}) is advertised by ${issuer} (${advertised.join(', ')})`,
    })
  }
  return algorithms
}

/**
 * The issuer whose keys may verify `token`: the one its `iss` names, read before verification only to pick
 * the key set (RFC 8725 §3.8) — verification then requires that very `iss` and that issuer's key and audience.
 * A token naming no trusted issuer goes to the first, whose `iss` check refuses it.
 */
function issuerFor(config: ResolvedResourceConfig, token: string): ResolvedIssuer {
  const [primary] = config.issuers as [ResolvedIssuer, ...ResolvedIssuer[]]
  if (config.issuers.length === 1) return primary
  const iss = decodeUnverified(token)?.payload.iss
  return config.issuers.find((entry) => entry.issuer === iss) ?? primary
}

/**
 * Bearer-token protection for an API: verifies RFC 9068 JWT access tokens against the issuer's JWKS, and
 * other tokens with RFC 7662 introspection when configured; answers RFC 6750 challenges; publishes
 * RFC 9728 metadata. Verifications are cached (bounded, never beyond the token's `exp`).
 *
 * @example
 * ```ts
 * const rs = createResourceServer({ issuer: 'https://as.example.com', audience: 'https://api.example.com' })
 * const result = await rs.requireScopes('notes:read')(request)
 * if (!result.ok) return result.response
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 */
export function createResourceServer(options: ResourceServerOptions): ResourceServer {
  const config = resolveResourceConfig(options)
  const cache = new VerificationCache<Principal>(config.maxCacheEntries, config.now)
  const metadata = metadataSource(config.issuer, config.fetch, config.now)
  const dpop = config.dpop
  const challengeContext: ChallengeContext = { realm: config.realm, resourceMetadataUrl: config.resourceMetadataUrl, ...(dpop ? { dpopAlgs: dpop.algorithms } : {}) }
  // RFC 9728 §2: every authorization server whose tokens are accepted.
  const resourceMetadata: ProtectedResourceMetadata = {
    ...protectedResourceMetadata(config),
    authorization_servers: config.issuers.map((entry) => entry.issuer),
    ...(dpop ? { dpop_signing_alg_values_supported: [...dpop.algorithms] } : {}),
  }
  const keyLoaders = new Map(config.issuers.map((entry) => [entry.issuer, jwtKeyLoader(entry)]))

  const keysFor = (jwksUri: string): KeyResolver =>
    remoteKeyResolver(jwksUri, { cooldownDuration: config.jwksCooldown * 1000, fetch: config.fetch })

  /** One issuer's keys, from its configured `jwksUri` or its own metadata; a failed discovery is retried later. */
  function jwtKeyLoader(entry: ResolvedIssuer): () => Promise<JwtKeys> {
    const { issuer, jwksUri } = entry
    let jwtKeys: Promise<JwtKeys> | undefined
    const issuerMetadata = issuer === config.issuer ? metadata : metadataSource(issuer, config.fetch, config.now)
    return () => {
      if (jwksUri !== undefined) {
        jwtKeys ??= Promise.resolve({ keys: keysFor(jwksUri), algorithms: config.algorithms })
        return jwtKeys
      }
      if (jwtKeys) return jwtKeys
      const attempt = issuerMetadata().then((document) => {
        if (document.jwks_uri === undefined) {
          throw new OAuthError('server_error', 'The request could not be verified', { detail: `${issuer} lists no jwks_uri; set the jwksUri option` })
        }
        return { keys: keysFor(document.jwks_uri), algorithms: advertisedAlgorithms(config, issuer, document) }
      })
      jwtKeys = attempt
      attempt.catch(() => {
        if (jwtKeys === attempt) jwtKeys = undefined
      })
      return attempt
    }
  }

  async function introspectionEndpoint(): Promise<string> {
    const configured = config.introspection?.endpoint
    if (configured !== undefined) return configured
    const endpoint = (await metadata()).introspection_endpoint
    if (endpoint === undefined) {
      throw new OAuthError('server_error', 'The request could not be verified', { detail: `${config.issuer} lists no introspection_endpoint; set introspection.endpoint` })
    }
    return endpoint
  }

  async function verifyUncached(token: string): Promise<VerifiedToken> {
    const now = config.now()
    if (looksLikeCompactJws(token)) {
      // A JWT is judged by its signature alone: one that fails is never handed to introspection.
      const { issuer, audience, scopes } = issuerFor(config, token)
      const { keys, algorithms } = await (keyLoaders.get(issuer) as () => Promise<JwtKeys>)()
      const verified = await verifyJwtAccessToken(token, { keys, algorithms, issuer, audience, clockTolerance: config.clockTolerance, now })
      if (scopes === undefined) return verified
      // An issuer trusted for some scopes only grants those, whatever its token claims.
      return { ...verified, principal: { ...verified.principal, scopes: verified.principal.scopes.filter((scope) => scopes.includes(scope)) } }
    }
    if (config.introspect) {
      const answer = await config.introspect(token).catch((cause: unknown) => {
        throw new OAuthError('temporarily_unavailable', 'The authorization server could not be reached', { detail: 'local introspection failed', cause })
      })
      // Valid until `now`: never cached, the function is as cheap as a cache lookup would be.
      return { ...validateIntrospectionResponse(answer, { issuer: config.issuer, audience: config.audience, clockTolerance: config.clockTolerance, now }), expiresAt: now }
    }
    const introspection = config.introspection
    if (!introspection) throw new OAuthError('invalid_token', 'The access token is invalid or expired', { detail: 'not a JWT, and introspection is not configured' })
    const verified = await introspectAccessToken(token, {
      endpoint: await introspectionEndpoint(),
      clientId: introspection.clientId,
      clientSecret: introspection.clientSecret,
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: config.clockTolerance,
      now,
      fetch: config.fetch,
    })
    // The answer is reused for cacheTtl at most: a revocation at the server shows after that delay.
    return { ...verified, expiresAt: Math.min(verified.expiresAt, now + introspection.cacheTtl) }
  }

  async function verifyAndCache(token: string): Promise<Principal> {
    const { principal, expiresAt } = await verifyUncached(token)
    // Only tokens of bearer syntax are kept, so a cache hit stands for a syntax check too (`attempt`);
    // another string (possible through `verifyToken` only) is verified again every time.
    if (isBearerTokenSyntax(token)) cache.set(token, principal, expiresAt)
    return principal
  }

  function verifyToken(token: string): Promise<Principal> {
    const cached = cache.get(token)
    return cached ? Promise.resolve(cached) : verifyAndCache(token)
  }

  function refuse(context: ChallengeContext, error: unknown): VerifyResult {
    const oauthError = asOAuthError(error)
    config.onError?.(oauthError)
    return { ok: false, response: bearerErrorResponse(context, oauthError) }
  }

  /** A refusal of a request under the DPoP scheme: a 401 whose error is in the DPoP challenge (RFC 9449 §7.1). */
  function refuseDpop(context: ChallengeContext, error: unknown): VerifyResult {
    const oauthError = asOAuthError(error)
    config.onError?.(oauthError)
    if (oauthError.status >= 500) return { ok: false, response: bearerErrorResponse(context, oauthError) }
    const refusal = asDpopRefusal(oauthError)
    // RFC 9449 §9: the nonce to use next comes with `use_dpop_nonce`.
    const nonce = refusal.error === 'use_dpop_nonce' ? dpop?.nonces?.current(config.now()) : undefined
    return { ok: false, response: bearerErrorResponse(context, refusal, undefined, { scheme: 'dpop', nonce }) }
  }

  /** The refusals of one route: made once per `requireScopes`, never per request. */
  function refusals(scopes: readonly string[]): Refusals {
    const context: ChallengeContext = scopes.length > 0 ? { ...challengeContext, scope: formatScope(scopes) } : challengeContext
    return { context, refuse: (error) => refuse(context, error), refuseDpop: (error) => refuseDpop(context, error) }
  }

  /** RFC 9449 §7.2: a resource that accepts both schemes refuses a DPoP-bound token sent as a bearer token. */
  function bearerUse(principal: Principal, refusal: Refusals): VerifyResult {
    if (boundKey(principal) !== undefined) {
      return refusal.refuse(new OAuthError('invalid_token', 'The access token is DPoP-bound: present it with the DPoP scheme and a proof'))
    }
    return accept(principal)
  }

  async function dpopUse(request: OAuthRequest, token: string, cached: Principal | undefined, refusal: Refusals): Promise<VerifyResult> {
    try {
      const principal = cached ?? (await verifyAndCache(token))
      await checkDpopRequest(dpop as ResolvedDpop, request, token, principal, config.now())
      return accept(principal)
    } catch (error) {
      return refusal.refuseDpop(error)
    }
  }
  const plainRefusals = refusals([])

  const accept = (principal: Principal): VerifyResult => ({ ok: true, principal })

  // A plain value when no verification is needed: a token found in the cache (a client reusing its token,
  // the common case) is answered without the promise hops an async chain adds to every request.
  function attempt(request: OAuthRequest, refusal: Refusals): VerifyResult | Promise<VerifyResult> {
    let presented: PresentedToken | undefined
    let cached: Principal | undefined
    try {
      // The cache is asked while the token is extracted: a token it holds needs no syntax check again.
      presented = presentedTokenFrom(request, dpop !== undefined, (candidate) => (cached = cache.get(candidate)) !== undefined)
    } catch (error) {
      return refusal.refuse(error)
    }
    if (presented === undefined) return { ok: false, response: bearerErrorResponse(refusal.context, undefined) }
    if (presented.scheme === 'dpop') return dpopUse(request, presented.token, cached, refusal)
    return cached ? bearerUse(cached, refusal) : verifyAndCache(presented.token).then((principal) => bearerUse(principal, refusal), refusal.refuse)
  }

  const verify = (request: OAuthRequest): Promise<VerifyResult> => Promise.resolve(attempt(request, plainRefusals))

  function checkScopes(principal: Principal, scopes: readonly string[]): VerifyResult {
    let granted = true
    for (const scope of scopes) if (!principal.scopes.includes(scope)) granted = false
    if (granted) return { ok: true, principal }
    const missing = scopes.filter((scope) => !principal.scopes.includes(scope))
    const error = new OAuthError('insufficient_scope', 'The access token does not grant the scope this request needs', { detail: `missing ${formatScope(missing)}` })
    config.onError?.(error)
    // RFC 6750 §3: `scope` lists what the resource needs, not only what was missing.
    return { ok: false, response: bearerErrorResponse(challengeContext, error, formatScope(scopes)) }
  }

  /** The check of `requireScopes`, answered without a promise for a cached token. */
  function checker(scopes: readonly string[]): ScopeCheck {
    const required = [...scopes]
    if (required.some((scope) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope))) {
      throw new ResourceConfigError('requireScopes', `takes RFC 6749 §3.3 scope tokens, got ${JSON.stringify(required)}`)
    }
    const refusal = refusals(required)
    const checkRequired = (result: VerifyResult): VerifyResult => (result.ok ? checkScopes(result.principal, required) : result)
    return (request) => {
      const result = attempt(request, refusal)
      return result instanceof Promise ? result.then(checkRequired) : checkRequired(result)
    }
  }

  function checkAuthentication(principal: Principal, requirement: AuthenticationRequirement): VerifyResult {
    if (meetsAuthenticationRequirement(principal.claims, requirement, config.now())) return { ok: true, principal }
    const error = new OAuthError('insufficient_user_authentication', 'The user must authenticate again, or with more factors, for this resource', {
      detail: `token acr ${String(principal.claims.acr)}, auth_time ${String(principal.claims.auth_time)}`,
    })
    config.onError?.(error)
    const context: ChallengeContext = {
      ...challengeContext,
      ...(requirement.acrValues !== undefined && requirement.acrValues.length > 0 ? { acrValues: requirement.acrValues.join(' ') } : {}),
      ...(requirement.maxAge !== undefined ? { maxAge: requirement.maxAge } : {}),
    }
    return { ok: false, response: bearerErrorResponse(context, error) }
  }

  const rs: ResourceServer = {
    issuer: config.issuer,
    audience: config.audience,
    metadataPath: protectedResourceMetadataPath(config.audience),
    verify,
    verifyToken,
    requireScopes(...scopes) {
      const check = checker(scopes)
      return (request) => Promise.resolve(check(request))
    },
    checkScopes,
    requireAccess(requirement) {
      const { scopes = [], ...authentication } = requirement
      if (authentication.maxAge !== undefined && (!Number.isInteger(authentication.maxAge) || authentication.maxAge < 0)) {
        throw new ResourceConfigError('requireAccess', `maxAge must be a non-negative integer of seconds, got ${String(authentication.maxAge)}`)
      }
      const check = checker(scopes)
      return async (request) => {
        const result = await check(request)
        return result.ok ? checkAuthentication(result.principal, authentication) : result
      }
    },
    checkAuthentication,
    revoke(token) {
      cache.delete(token)
    },
    clear() {
      cache.clear()
    },
    protectedResourceMetadata: () => structuredClone(resourceMetadata),
    metadataResponse: (request) => protectedResourceMetadataResponse(resourceMetadata, request),
  }
  // Non-enumerable: invisible to spreading, logging and equality, as if `rs` had only its public members.
  Object.defineProperty(rs, SCOPE_CHECKER, { value: checker })
  return rs
}

type ScopeCheck = (request: OAuthRequest) => VerifyResult | Promise<VerifyResult>

/** A route's challenge context and the refusal made with it. */
interface Refusals {
  context: ChallengeContext
  refuse: (error: unknown) => VerifyResult
  refuseDpop: (error: unknown) => VerifyResult
}

/**
 * Key of the internal member by which `scopeCheck` finds the synchronous checker of a resource server made
 * by `createResourceServer`. Not exported from `tessera-oidc/resource`, so not part of `ResourceServer`.
 */
const SCOPE_CHECKER: unique symbol = Symbol('tessera.resource.scopeChecker')

/** A `ResourceServer` as `createResourceServer` makes it, with its internal member. */
interface OwnResourceServer extends ResourceServer {
  readonly [SCOPE_CHECKER]: (required: readonly string[]) => ScopeCheck
}

function isOwnResourceServer(rs: ResourceServer): rs is OwnResourceServer {
  return SCOPE_CHECKER in rs
}

/**
 * For this package's middleware: `rs.requireScopes(...scopes)`, but a cached token's result comes as a
 * plain value rather than a promise, sparing every request of a client that reuses its token the
 * microtask hops of an `await`. Looked up once per middleware, never per request; a `ResourceServer` made
 * some other way (a test double, a wrapper) gets its own `requireScopes`. Not exported from
 * `tessera-oidc/resource`.
 */
export function scopeCheck(rs: ResourceServer, scopes: readonly string[]): ScopeCheck {
  return isOwnResourceServer(rs) ? rs[SCOPE_CHECKER](scopes) : rs.requireScopes(...scopes)
}
