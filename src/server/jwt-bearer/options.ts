import type { JSONWebKeySet } from '../../jwt/verify.js'
import { ASYMMETRIC_ASSERTION_ALGORITHMS } from '../../protocol/rfc7523/client-assertion.js'
import { MAX_CLIENT_KEYS, publicKeyProblem } from '../../protocol/rfc7591/client-keys.js'
import { ConfigError } from '../config.js'

/** How the assertion's subject becomes a local user: which claim, compared with the user's id or username. */
export interface SubjectMapping {
  /** The claim naming the user (default `sub`; `email` when the issuer's subjects are opaque but usernames are addresses). */
  readonly claim?: string
  /** `id` (default): the claim is the local user id. `username`: the claim is the local username. */
  readonly match?: 'id' | 'username'
}

/** An issuer whose JWTs this server accepts as authorization grants (RFC 7523 §3: the issuer must be trusted). */
export interface TrustedIssuer {
  /** Its issuer identifier: the assertions' `iss`, compared exactly. */
  readonly issuer: string
  /** Its public keys; or `jwksUri`. */
  readonly jwks?: JSONWebKeySet
  /** Where its public keys are fetched (through the SSRF guard, cached, refetched on an unknown `kid` once per cool-down). */
  readonly jwksUri?: string
  /** Signature algorithms accepted from it (default PS256, ES256, EdDSA, RS256): asymmetric only. */
  readonly algorithms?: readonly string[]
  /** The client ids that may present its assertions, or `any` for every client registered for the grant. */
  readonly clients: readonly string[] | 'any'
  /** How its `sub` maps to a local user (default: `sub` is the user id). */
  readonly subject?: SubjectMapping
  /** Only ID-JAGs (`typ` `oauth-id-jag+jwt`) from it, plain assertions refused (default false: both). */
  readonly idJagOnly?: boolean
  /** Longest assertion lifetime accepted, seconds (default 300, at most 3600). */
  readonly maxLifetimeSeconds?: number
}

/** What a custom subject lookup receives: the verified issuer, subject and every claim. */
export interface GrantSubject {
  readonly issuer: string
  readonly subject: string
  readonly claims: Readonly<Record<string, unknown>>
}

/** Options of `jwtBearerGrant`. */
export interface JwtBearerGrantOptions {
  /** The issuers trusted to assert users; an assertion of any other issuer is `invalid_grant`. */
  readonly issuers: readonly TrustedIssuer[]
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, seconds (default 60, at most 300). */
  readonly clockSkewSeconds?: number
  /**
   * A lookup of your own from (issuer, subject, claims) to a local user id, replacing each issuer's
   * `subject` mapping: an account-linking table, a directory. Undefined: no such user (`invalid_grant`).
   */
  readonly resolveUser?: (subject: GrantSubject) => Promise<string | undefined>
}

export interface ResolvedTrustedIssuer {
  readonly issuer: string
  readonly jwks: JSONWebKeySet | undefined
  readonly jwksUri: string | undefined
  readonly algorithms: readonly string[]
  readonly clients: ReadonlySet<string> | 'any'
  readonly subjectClaim: string
  readonly subjectMatch: 'id' | 'username'
  readonly idJagOnly: boolean
  readonly maxLifetimeSeconds: number
}

export interface ResolvedJwtBearerOptions {
  readonly issuers: ReadonlyMap<string, ResolvedTrustedIssuer>
  readonly clockSkewSeconds: number
  readonly resolveUser: JwtBearerGrantOptions['resolveUser']
}

const DEFAULT_ALGORITHMS = ['PS256', 'ES256', 'EdDSA', 'RS256'] as const

/** Validated once, at construction; a bad value is a `ConfigError` naming the field. */
export function resolveJwtBearerOptions(options: JwtBearerGrantOptions): ResolvedJwtBearerOptions {
  const field = (index: number, name: string): string => `jwtBearer.issuers[${index}].${name}`
  if (!Array.isArray(options.issuers)) throw new ConfigError('jwtBearer.issuers', 'must be a list of trusted issuers')
  const issuers = new Map<string, ResolvedTrustedIssuer>()
  for (const [index, trusted] of options.issuers.entries()) {
    if (typeof trusted.issuer !== 'string' || !isHttpUrl(trusted.issuer)) throw new ConfigError(field(index, 'issuer'), 'must be an http(s) URL')
    if (issuers.has(trusted.issuer)) throw new ConfigError(field(index, 'issuer'), `repeats ${trusted.issuer}`)
    if ((trusted.jwks === undefined) === (trusted.jwksUri === undefined)) throw new ConfigError(field(index, 'jwks'), 'give either jwks or jwksUri')
    if (trusted.jwks !== undefined) {
      const keys: unknown = (trusted.jwks as { keys?: unknown }).keys
      if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_CLIENT_KEYS * 2) throw new ConfigError(field(index, 'jwks'), 'must be a JWKS of 1 to 20 public keys')
      const problem = keys.map((key) => publicKeyProblem(key)).find((found) => found !== undefined)
      if (problem) throw new ConfigError(field(index, 'jwks'), problem)
    }
    if (trusted.jwksUri !== undefined && !isHttpUrl(trusted.jwksUri)) throw new ConfigError(field(index, 'jwksUri'), 'must be an http(s) URL')
    const algorithms: readonly string[] = trusted.algorithms ?? DEFAULT_ALGORITHMS
    // RFC 8725 §3.1: `none` and HMAC never verify an issuer's public key.
    const stray = algorithms.find((alg) => !(ASYMMETRIC_ASSERTION_ALGORITHMS as readonly string[]).includes(alg))
    if (algorithms.length === 0 || stray !== undefined) {
      throw new ConfigError(field(index, 'algorithms'), `must be asymmetric algorithms among ${ASYMMETRIC_ASSERTION_ALGORITHMS.join(', ')}${stray ? `, got ${stray}` : ''}`)
    }
    const clients = trusted.clients
    if (clients !== 'any' && (!Array.isArray(clients) || clients.length === 0 || !clients.every((id) => typeof id === 'string' && id !== ''))) {
      throw new ConfigError(field(index, 'clients'), 'must be a list of client ids or "any"')
    }
    const match = trusted.subject?.match ?? 'id'
    if (match !== 'id' && match !== 'username') throw new ConfigError(field(index, 'subject.match'), 'must be "id" or "username"')
    const claim = trusted.subject?.claim ?? 'sub'
    if (typeof claim !== 'string' || claim === '') throw new ConfigError(field(index, 'subject.claim'), 'must be a claim name')
    const maxLifetimeSeconds = trusted.maxLifetimeSeconds ?? 300
    if (!Number.isInteger(maxLifetimeSeconds) || maxLifetimeSeconds <= 0 || maxLifetimeSeconds > 3600) {
      throw new ConfigError(field(index, 'maxLifetimeSeconds'), 'must be an integer from 1 to 3600')
    }
    issuers.set(trusted.issuer, {
      issuer: trusted.issuer,
      jwks: trusted.jwks,
      jwksUri: trusted.jwksUri,
      algorithms: [...algorithms],
      clients: clients === 'any' ? 'any' : new Set(clients),
      subjectClaim: claim,
      subjectMatch: match,
      idJagOnly: trusted.idJagOnly ?? false,
      maxLifetimeSeconds,
    })
  }
  const clockSkewSeconds = options.clockSkewSeconds ?? 60
  if (!Number.isInteger(clockSkewSeconds) || clockSkewSeconds < 0 || clockSkewSeconds > 300) {
    throw new ConfigError('jwtBearer.clockSkewSeconds', 'must be an integer from 0 to 300')
  }
  return { issuers, clockSkewSeconds, resolveUser: options.resolveUser }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}
