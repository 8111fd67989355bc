import { sha256 } from '../crypto/random.js'
import { OAuthError } from '../errors.js'
import { KeySourceUnavailableError, remoteKeyResolver } from '../jwt/remote-jwks.js'
import { decodeUnverified, isJwtValidationError, verifyJwt, type KeyResolver } from '../jwt/verify.js'
import { checkLogoutTokenType, validateLogoutTokenClaims } from '../protocol/oidc-backchannel-logout/logout-token.js'
import { StorageUnavailableError } from '../storage/types.js'
import { ClientError } from './errors.js'
import type { Transport } from './http.js'
import type { Provider, Registry } from './registry.js'
import type { Runtime } from './runtime.js'

/** What a back-channel logout ended: for the app's own log. */
export interface BackchannelLogoutResult {
  provider: string
  sub: string | undefined
  sid: string | undefined
  /** Local sessions ended (0 when the user had none here: still a success, §2.8). */
  ended: number
}

/** Options of `oauth.backchannelLogout`. */
export interface BackchannelLogoutReceiverOptions {
  /** The provider the endpoint serves; default: the registered provider whose issuer is the token's `iss`. */
  provider?: string
  /** Called after the sessions ended, before the 200 answer. */
  onLogout?: (result: BackchannelLogoutResult) => void | Promise<void>
}

export interface BackchannelDeps {
  runtime: Runtime
  registry: Registry
  transport: Transport
  /** One key resolver per provider, so unknown `kid`s refetch the JWKS at most once per cooldown (catalogue BL-06). */
  keys: Map<string, KeyResolver>
}

/** A logout token is a few hundred bytes to a few KiB; anything far larger is refused before parsing. */
const MAX_BODY_BYTES = 16 * 1024
/** §2.6 allows a small skew; 60 s as for ID tokens' `iat`. */
const CLOCK_TOLERANCE = 60
/** Tokens without `exp` are accepted for this long after `iat` (and their `jti` kept as long). */
const MAX_AGE = 300
/** Algorithms a provider may sign with; `none` and HMAC never (a client secret is no provider key). */
const SIGNING_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']

const HEADERS = { 'cache-control': 'no-store', 'content-type': 'application/json' } as const

/** §2.8: 400 with an OAuth error body; `Cache-Control: no-store` on every answer. */
function refusal(status: number, description: string, extra: Record<string, string> = {}): Response {
  const body = status === 503 ? { error: 'temporarily_unavailable', error_description: description } : { error: 'invalid_request', error_description: description }
  return new Response(JSON.stringify(body), { status, headers: { ...HEADERS, ...extra } })
}

async function formBody(request: Request): Promise<URLSearchParams | Response> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') return refusal(400, 'The logout token must be sent as a form (application/x-www-form-urlencoded)')
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (declared > MAX_BODY_BYTES) return refusal(413, 'The request body is too large')
  const bytes = new Uint8Array(await request.arrayBuffer())
  if (bytes.byteLength > MAX_BODY_BYTES) return refusal(413, 'The request body is too large')
  return new URLSearchParams(new TextDecoder().decode(bytes))
}

async function providerFor(deps: BackchannelDeps, issuer: unknown, name: string | undefined): Promise<Provider | undefined> {
  const candidates = name !== undefined ? [name] : deps.registry.list().filter((entry) => entry.issuer === issuer).map((entry) => entry.name)
  for (const candidate of candidates) {
    if (!deps.registry.has(candidate)) continue
    const provider = await deps.registry.resolve(candidate)
    if (provider.as.issuer === issuer) return provider
  }
  return undefined
}

function keysOf(deps: BackchannelDeps, provider: Provider): KeyResolver | undefined {
  const uri = provider.as.jwks_uri
  if (uri === undefined) return undefined
  let keys = deps.keys.get(provider.config.name)
  if (!keys) {
    keys = remoteKeyResolver(uri, { timeoutDuration: deps.transport.timeoutMs, ...(deps.transport.fetch ? { fetch: deps.transport.fetch } : {}) })
    deps.keys.set(provider.config.name, keys)
  }
  return keys
}

/**
 * The relying party's back-channel logout endpoint (OpenID Connect Back-Channel Logout 1.0 §2.5–§2.8):
 * a form POST carrying `logout_token`, authenticated by the token alone (no cookie, no CSRF token: the
 * provider calls it, not a browser). The token is verified with the provider's JWKS and §2.6's rules
 * (`iss`, `aud`, `iat`, `exp`, `jti`, `events`, `sub`/`sid`, no `nonce`, `typ`), its `jti` refused when seen
 * before (on any instance sharing the store), and every local session of that provider session (`sid`)
 * or user (`sub`) ends in the store — so the next request on any instance is signed out.
 *
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 */
export async function receiveBackchannelLogout(deps: BackchannelDeps, request: Request, options: BackchannelLogoutReceiverOptions = {}): Promise<Response> {
  // §2.5: POST only; a token in a URL ends up in logs (catalogue BL-06).
  if (request.method !== 'POST') return refusal(405, 'Use POST', { allow: 'POST' })
  if (new URL(request.url).searchParams.has('logout_token')) return refusal(400, 'The logout token must not be sent in the URL')
  try {
    const form = await formBody(request)
    if (form instanceof Response) return form
    const tokens = form.getAll('logout_token')
    if (tokens.length !== 1 || tokens[0] === '') return refusal(400, 'Send exactly one logout_token')
    const token = tokens[0] as string
    const decoded = decodeUnverified(token)
    if (!decoded) return refusal(400, 'The logout token is not a JWT')
    const provider = await providerFor(deps, decoded.payload.iss, options.provider)
    if (!provider) return refusal(400, 'The logout token is not from a known provider')
    const keys = keysOf(deps, provider)
    if (!keys) return refusal(400, 'The provider publishes no keys')
    checkLogoutTokenType(decoded.header.typ)
    const allowed = provider.config.idTokenAlg ? [provider.config.idTokenAlg] : SIGNING_ALGORITHMS
    let payload: Record<string, unknown>
    try {
      payload = await verifyJwt(token, keys, {
        algorithms: allowed, issuer: provider.as.issuer, audience: provider.config.clientId, clockTolerance: CLOCK_TOLERANCE, requiredClaims: ['iat', 'jti'],
        currentDate: new Date(deps.runtime.now() * 1000),
      })
    } catch (error) {
      if (error instanceof KeySourceUnavailableError) return refusal(503, 'The provider keys cannot be fetched now')
      if (isJwtValidationError(error)) return refusal(400, 'The logout token is not valid')
      throw error
    }
    const validated = validateLogoutTokenClaims(payload, {
      issuer: provider.as.issuer, clientId: provider.config.clientId, now: deps.runtime.now(), clockTolerance: CLOCK_TOLERANCE, maxAge: MAX_AGE,
    })
    // §2.6: a `jti` seen before is a replay; kept until the token could no longer be accepted anyway.
    if (!(await deps.runtime.store.logoutTokens.remember(sha256(`${validated.iss} ${validated.jti}`), validated.replayUntil))) {
      return refusal(400, 'The logout token was already used')
    }
    const ended = await deps.runtime.store.sessions.endByProviderSession(validated.iss, { sid: validated.sid, subject: validated.sub })
    const result: BackchannelLogoutResult = { provider: provider.config.name, sub: validated.sub, sid: validated.sid, ended }
    deps.runtime.logger?.info({ event: 'rp_backchannel_logout', ...result }, 'signed out by the provider')
    await options.onLogout?.(result)
    return new Response(null, { status: 200, headers: { 'cache-control': 'no-store' } })
  } catch (error) {
    if (error instanceof OAuthError) return refusal(400, error.description ?? 'The logout token is not valid')
    // The provider retries on 5xx (§2.8): a store or discovery outage is worth another attempt.
    if (error instanceof StorageUnavailableError) return refusal(503, 'The session store is unavailable')
    if (error instanceof ClientError) return refusal(503, 'The provider cannot be reached')
    throw error
  }
}
