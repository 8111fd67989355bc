import { createBroker, type ProviderRegistration } from '../../client/broker.js'
import { ConfigError } from '../config.js'

/** Local profile attributes an upstream claim may set (`UserRecord` fields). */
export type MappedAttribute = 'username' | 'name' | 'given_name' | 'family_name' | 'email' | 'picture'

/**
 * One upstream identity provider users may sign in with ("Continue with …"): any OpenID Connect issuer
 * by discovery, or a preset of `tessera-oidc/client` (`google`, `github`, `microsoft`, `gitlab`, …).
 *
 * @example { id: 'google', preset: 'google', clientId: '…apps.googleusercontent.com', clientSecret: process.env.GOOGLE_SECRET }
 */
export interface UpstreamProvider {
  /** Name in URLs (`/federation/<id>/callback`), in `idp_hint` and in client allow-lists: `[A-Za-z0-9_-]{1,64}`. */
  id: string
  /** What the button says after "Continue with"; default the preset's or the id. */
  label?: string
  /** OpenID Connect issuer (discovery at `<issuer>/.well-known/openid-configuration`); or with a preset, its override. */
  issuer?: string
  /** A `tessera-oidc/client` preset name. */
  preset?: ProviderRegistration['preset']
  /** Microsoft: the directory (tenant) id. */
  tenant?: string
  /** Okta, Auth0, Keycloak, self-managed GitLab: the host. */
  domain?: string
  /** Keycloak realm. */
  realm?: string
  clientId: string
  clientSecret?: string
  /** Default `openid email profile` (GitHub: `read:user user:email`). */
  scopes?: string[]
  /** Default `client_secret_basic`, or the preset's. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none'
  /**
   * Which upstream claim sets which local attribute of a provisioned account. Default: `username` ←
   * `preferred_username`, `name`, `given_name`, `family_name`, `email` (only when `email_verified` is the
   * boolean true), `picture`. Nothing else an upstream asserts (`groups`, `role`, …) sets anything (FD-07).
   */
  claims?: Partial<Record<MappedAttribute, string | null>>
  /**
   * Trust what the upstream reports of how the user signed in there (default false: Tessera's `amr` for an
   * upstream sign-in is `fed` alone, one factor, and the MFA policy asks for a local second factor). On:
   * the upstream's ID token `amr` values `mfa`, `otp`, `hwk`, `swk` (RFC 8176) — and an `acr` listed in
   * `mfaAcrValues` — count as a second factor, so `amr` becomes e.g. `["fed","otp","mfa"]` and the policy
   * is met without a local step. The trade-off: the upstream's word is taken for it, unverifiable here; an
   * upstream that misreports (or an attacker controlling it) gets past `require_mfa`. Turn it on only for
   * an upstream you trust to enforce its second factor.
   */
  trustUpstreamAmr?: boolean
  /** With `trustUpstreamAmr`: this upstream's `acr` values that mean two factors (e.g. `http://schemas.openid.net/pape/policies/2007/06/multi-factor`). */
  mfaAcrValues?: string[]
}

/** `federation(options)`: the upstream providers and what may happen with their users. */
export interface FederationOptions {
  upstreams: readonly UpstreamProvider[]
  /**
   * Create a local account the first time someone signs in with an upstream identity (just-in-time
   * provisioning; default true). Off: only identities linked to an account by its signed-in user work.
   */
  provisioning?: boolean
  /** Seconds since the user signed in within which they may link an upstream identity (default 300). */
  linkMaxAge?: number
  /** Per upstream request, milliseconds (default 10 000). */
  timeoutMs?: number
}

/** An upstream after validation. */
export interface ResolvedUpstream {
  readonly id: string
  readonly label: string
  readonly registration: ProviderRegistration
  readonly claims: Readonly<Record<MappedAttribute, string | null>>
  /** `trustUpstreamAmr`: the upstream's `amr`/`acr` may satisfy the MFA policy. */
  readonly trustAmr: boolean
  readonly mfaAcrValues: readonly string[]
}

/** Resolved `FederationOptions`. */
export interface ResolvedFederation {
  readonly upstreams: ReadonlyMap<string, ResolvedUpstream>
  readonly provisioning: boolean
  readonly linkMaxAge: number
  readonly timeoutMs: number
}

const ID = /^[A-Za-z0-9_-]{1,64}$/
const DEFAULT_CLAIMS: Record<MappedAttribute, string> = {
  username: 'preferred_username',
  name: 'name',
  given_name: 'given_name',
  family_name: 'family_name',
  email: 'email',
  picture: 'picture',
}
const PRESET_LABELS: Record<string, string> = {
  google: 'Google', github: 'GitHub', microsoft: 'Microsoft', gitlab: 'GitLab', apple: 'Apple', discord: 'Discord',
  okta: 'Okta', auth0: 'Auth0', keycloak: 'Keycloak', tessera: 'Tessera',
}
/** Plain OAuth 2.0 presets read the user from an API: no `openid` scope. */
const PLAIN_OAUTH_SCOPES: Record<string, string[]> = { github: ['read:user', 'user:email'], discord: ['identify', 'email'] }

function fail(upstream: { id?: unknown }, message: string): never {
  throw new ConfigError(`federation.upstreams[${typeof upstream.id === 'string' ? `'${upstream.id}'` : '…'}]`, message)
}

/**
 * Validates the federation options once, at construction, with messages naming the upstream and the field
 * (the relying party's own registration checks included: issuer, preset parameters, client credentials).
 */
export function resolveFederation(options: FederationOptions): ResolvedFederation {
  if (!Array.isArray(options.upstreams)) throw new ConfigError('federation.upstreams', 'must be a list')
  const upstreams = new Map<string, ResolvedUpstream>()
  // Registration is validated by the relying party itself; this broker never fetches anything.
  const validator = createBroker({ fetch: () => Promise.reject(new Error('not used')), warn: () => undefined })
  for (const upstream of options.upstreams) {
    if (typeof upstream.id !== 'string' || !ID.test(upstream.id)) fail(upstream, 'id must match [A-Za-z0-9_-]{1,64}')
    if (upstreams.has(upstream.id)) fail(upstream, 'id is used twice')
    const preset = upstream.preset
    const scopes = upstream.scopes ?? (preset && PLAIN_OAUTH_SCOPES[preset]) ?? ['openid', 'email', 'profile']
    const issuer = upstream.issuer
    const registration: ProviderRegistration = {
      name: upstream.id,
      ...(issuer !== undefined ? { issuer } : {}),
      ...(preset !== undefined ? { preset } : {}),
      ...(upstream.tenant !== undefined ? { tenant: upstream.tenant } : {}),
      ...(upstream.domain !== undefined ? { domain: upstream.domain } : {}),
      ...(upstream.realm !== undefined ? { realm: upstream.realm } : {}),
      clientId: upstream.clientId,
      ...(upstream.clientSecret !== undefined ? { clientSecret: upstream.clientSecret } : {}),
      ...(upstream.tokenEndpointAuthMethod !== undefined ? { tokenEndpointAuthMethod: upstream.tokenEndpointAuthMethod } : {}),
      scope: scopes.join(' '),
      // The SSRF guard decides what may be reached (`--allow-loopback-fetch`); an http issuer passes this
      // check only to meet the guard, which refuses it unless loopback fetches are allowed.
      allowInsecureLoopback: issuer?.startsWith('http:') === true,
    }
    try {
      validator.register(registration)
    } catch (error) {
      fail(upstream, error instanceof Error ? error.message.replace(/^oauth\.register\([^)]*\): /, '') : String(error))
    }
    const claims = { ...DEFAULT_CLAIMS, ...(upstream.claims ?? {}) }
    for (const [attribute, claim] of Object.entries(claims)) {
      if (!(attribute in DEFAULT_CLAIMS)) fail(upstream, `claims.${attribute} is not a local attribute (${Object.keys(DEFAULT_CLAIMS).join(', ')})`)
      if (claim !== null && (typeof claim !== 'string' || claim === '')) fail(upstream, `claims.${attribute} must be a claim name or null`)
    }
    const label = upstream.label ?? (preset ? PRESET_LABELS[preset] : undefined) ?? upstream.id
    const trustAmr = upstream.trustUpstreamAmr ?? false
    if (typeof trustAmr !== 'boolean') fail(upstream, 'trustUpstreamAmr must be a boolean')
    const mfaAcrValues = upstream.mfaAcrValues ?? []
    if (!Array.isArray(mfaAcrValues) || mfaAcrValues.some((value) => typeof value !== 'string' || value === '')) fail(upstream, 'mfaAcrValues must be a list of acr values')
    if (mfaAcrValues.length > 0 && !trustAmr) fail(upstream, 'mfaAcrValues needs trustUpstreamAmr: true (without it the upstream\'s acr is not used)')
    upstreams.set(upstream.id, { id: upstream.id, label, registration, claims, trustAmr, mfaAcrValues })
  }
  const linkMaxAge = options.linkMaxAge ?? 300
  if (!Number.isInteger(linkMaxAge) || linkMaxAge <= 0) throw new ConfigError('federation.linkMaxAge', 'must be a positive number of seconds')
  const timeoutMs = options.timeoutMs ?? 10_000
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ConfigError('federation.timeoutMs', 'must be positive')
  return { upstreams, provisioning: options.provisioning ?? true, linkMaxAge, timeoutMs }
}
