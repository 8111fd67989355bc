import type { ClientKeys } from './seal.js'
import type { RelyingPartyStore } from './store.js'

/** pino-compatible subset. */
export interface ClientLogger {
  /** Something the operator should look at; never includes a token. */
  warn(object: Record<string, unknown>, message: string): void
  /** A routine event of a flow; never includes a token. */
  info(object: Record<string, unknown>, message: string): void
}

/** Shared, immutable settings of one `createOAuth` instance, passed to each flow. */
export interface Runtime {
  store: RelyingPartyStore
  keys: ClientKeys
  /** Seconds since the epoch. */
  now: () => number
  logger: ClientLogger | undefined
  /** Local session lifetime, seconds. */
  sessionMaxAge: number
  /** Seconds a local session may go unused. */
  sessionIdleTimeout: number
  /** Refresh this many seconds before the access token expires. */
  refreshLeeway: number
  /** How long an instance holds a session's refresh lease, milliseconds. */
  refreshLeaseMs: number
  /** How long a request waits for another instance's refresh of its session, milliseconds. */
  refreshWaitMs: number
}

/** Pending-login lifetime (catalogue SC-04; RFC 6749 §4.1.2 suggests codes live at most 10 minutes). */
export const TRANSACTION_TTL = 600
