import type { Logger } from 'pino'
import type { ClientAddressResolver } from '../http/client-address.js'
import type { OutboundPolicy } from '../http/guarded-fetch.js'
import type { AssertionPolicy } from '../protocol/rfc7523/client-assertion.js'
import type { SigningAlgorithm } from '../jwt/keys.js'
import type { DpopNonceSource } from '../protocol/rfc9449/nonce.js'
import type { Store } from '../storage/types.js'
import type { ClientLimitPolicy } from './abuse/client-limits.js'
import type { LoginThrottlePolicy } from './abuse/login-throttle.js'
import type { PageRenderer } from './pages.js'
import type { UiSettings } from './theme/settings.js'

// The configuration as the server uses it, apart from how it is given and validated (src/server/config.ts),
// so that the context every capability receives does not depend on the configuration's input side.

/** An API protected by tokens from this server: its identifier is the access tokens' `aud`. */
export interface ResourceConfig {
  /** Resource identifier (RFC 8707 §2), e.g. `http://localhost:4000/api`. */
  identifier: string
  /** Scopes of this API with the plain-words description shown on the consent page. */
  scopes: Record<string, string>
}

/** How long codes, tokens, sessions and interactions live, in seconds. */
export interface Lifetimes {
  /** Seconds. RFC 6749 §4.1.2 recommends at most 10 minutes; default 60. */
  authorizationCode: number
  /** Access and ID tokens; default 3600. */
  accessToken: number
  idToken: number
  /** Absolute lifetime of a refresh-token family; default 30 days. */
  refreshToken: number
  /**
   * Rotation grace: for this long after a refresh token was rotated, the same client presenting it again
   * (a retry, two app instances racing) gets the same successor instead of the family being revoked as
   * RFC 9700 §4.14.2 reuse. Default 0: off; at most 60. A thief replaying the token within it wins the same
   * tokens, so keep it short.
   */
  refreshTokenReuseGrace: number
  /** Provider login session, absolute: use never extends it; default 14 days. */
  session: number
  /**
   * Provider login session, idle: a session unused this long needs a new login (ASVS 7.3.1); default 1 day.
   * At most `session`.
   */
  sessionIdle: number
  /** Pending login/consent; default 10 minutes. */
  interaction: number
}

/**
 * How access tokens are issued: `jwt` (RFC 9068, verified locally by resource servers) or `opaque`
 * (random values backed by a store record, verified by introspection, RFC 7662).
 */
export type AccessTokenFormat = 'jwt' | 'opaque'

export interface ResolvedConfig {
  issuer: string
  /** Path prefix of every endpoint (the issuer's path without a trailing slash). */
  basePath: string
  secure: boolean
  store: Store
  /** The newest secret: seals new signing keys, keys new MACs. */
  secret: string
  /** Older secrets during a rotation, newest first: they still open and verify, never seal or sign. */
  previousSecrets: readonly string[]
  resources: ResourceConfig[]
  lifetimes: Lifetimes
  accessTokenSigningAlg: SigningAlgorithm
  accessTokenFormat: AccessTokenFormat
  logger: Logger | undefined
  auditRetention: number
  now: () => number
  productName: string
  loginThrottle: LoginThrottlePolicy
  clientLimits: ClientLimitPolicy
  /** Set when proxies are trusted: the client address from the socket peer and the forwarding header. */
  clientAddress: ClientAddressResolver | undefined
  /** Every scope the server knows, OIDC and API. */
  scopesSupported: string[]
  /** Consent-page wording for API scopes. */
  scopeDescriptions: Record<string, string>
  pages: PageRenderer
  /** Languages and theme of the pages (`ui`). */
  ui: UiSettings
  /** The SSRF guard's policy for URLs clients supply; `allowLoopback` from `development.allowLoopbackFetch`. */
  outbound: OutboundPolicy
  dpop: DpopSettings
  /** Bounds and audience rule of JWT client assertions (RFC 7523, 7523bis §4). */
  clientAssertions: AssertionPolicy
  /** Every login needs a second factor (`requireMfa`, src/server/mfa/). */
  requireMfa: boolean
  /** `fapi2` when the server runs the FAPI 2.0 Security Profile (src/server/fapi2/). */
  profile?: 'fapi2'
}

/** DPoP (RFC 9449) at the token endpoint. */
export interface DpopSettings {
  /** `requireDpop`: every token request needs a proof. */
  required: boolean
  /** Proof algorithms accepted and announced (`dpop_signing_alg_values_supported`). */
  algorithms: readonly string[]
  /** Set with `dpopNonces`: proofs must carry one of these (RFC 9449 §8). */
  nonces: DpopNonceSource | undefined
}
