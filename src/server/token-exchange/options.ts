import { ConfigError } from '../config.js'
import type { TrustedIssuer } from '../jwt-bearer/options.js'
import { resolveJwtBearerOptions, type ResolvedJwtBearerOptions } from '../jwt-bearer/options.js'
import { tokenExchangePolicyProblem, type TokenExchangePolicy } from './policy.js'

/** Options of `tokenExchange`; all optional. */
export interface TokenExchangeOptions {
  /**
   * Policies by client id (the configuration file's `tokenExchange.clients`). A configured policy wins
   * over one set with the CLI or at registration: it is what the operator deployed.
   */
  readonly clients?: Readonly<Record<string, TokenExchangePolicy>>
  /**
   * Issuers whose JWTs a client may present as `subject_token` of type `jwt` (with `jwt` among its
   * policy's `subject_token_types`): `tessera-oidc serve` passes the JWT-bearer grant's trusted issuers.
   */
  readonly trustedIssuers?: readonly TrustedIssuer[]
  /** Lifetime of issued ID-JAGs, seconds (default and at most 300: ID-JAGs are single-hop grants). */
  readonly idJagLifetimeSeconds?: number
}

export interface ResolvedTokenExchangeOptions {
  readonly clients: ReadonlyMap<string, TokenExchangePolicy>
  readonly trusted: ResolvedJwtBearerOptions
  readonly idJagLifetimeSeconds: number
}

/** Validated once, at construction; a bad value is a `ConfigError` naming the field. */
export function resolveTokenExchangeOptions(options: TokenExchangeOptions): ResolvedTokenExchangeOptions {
  const clients = new Map<string, TokenExchangePolicy>()
  for (const [clientId, policy] of Object.entries(options.clients ?? {})) {
    const problem = tokenExchangePolicyProblem(policy)
    if (problem) throw new ConfigError(`tokenExchange.clients.${clientId}`, problem.replace(/^token_exchange_policy /, ''))
    clients.set(clientId, policy)
  }
  const idJagLifetimeSeconds = options.idJagLifetimeSeconds ?? 300
  if (!Number.isInteger(idJagLifetimeSeconds) || idJagLifetimeSeconds <= 0 || idJagLifetimeSeconds > 300) {
    throw new ConfigError('tokenExchange.idJagLifetime', 'must be from 1 to 300 seconds')
  }
  return { clients, trusted: resolveJwtBearerOptions({ issuers: options.trustedIssuers ?? [] }), idJagLifetimeSeconds }
}
