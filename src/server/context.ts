import type { ResolvedConfig } from './config.js'
import type { AuditSink } from './audit/sink.js'
import type { ClientLimits } from './abuse/client-limits.js'
import type { LoginThrottle } from './abuse/login-throttle.js'
import type { KeySet } from './key-set.js'

/** Absolute URLs of the server's endpoints, derived once from the issuer. */
export interface EndpointUrls {
  authorization: string
  token: string
  userinfo: string
  jwks: string
  revocation: string
  introspection: string
  endSession: string
  interaction: string
}

/** What every endpoint and grant receives: resolved configuration and the key set. No mutable state. */
export interface ServerContext {
  readonly config: ResolvedConfig
  readonly keys: KeySet
  readonly urls: EndpointUrls
  readonly loginThrottle: LoginThrottle
  /** The audit trail (src/server/audit/): security events to the log and the store. */
  readonly audit: AuditSink
  /** Failure limits at the token, introspection and revocation endpoints (catalogue RL-02, RL-03). */
  readonly clientLimits: ClientLimits
}

export const ENDPOINT_PATHS = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/jwks',
  revocation: '/revoke',
  introspection: '/introspect',
  endSession: '/logout',
  interaction: '/interaction',
} as const satisfies Record<keyof EndpointUrls, string>

export function endpointUrls(issuer: string): EndpointUrls {
  const base = issuer.replace(/\/+$/, '')
  const entries = Object.entries(ENDPOINT_PATHS).map(([name, path]) => [name, base + path])
  return Object.fromEntries(entries) as unknown as EndpointUrls
}
