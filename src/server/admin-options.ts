import type { Store } from '../storage/types.js'
import type { AuditActor } from './audit/events.js'
import { createAuditSink, type AuditSink } from './audit/sink.js'

/**
 * Where administrative changes are audited and who made them. Without `audit` the change is recorded in
 * the store only (no log line); the record is awaited, so it exists when the function returns.
 *
 * Its own module because both admin.ts and key-set.ts take it, and admin.ts needs key-set.ts.
 *
 * @example await rotateClientSecret(store, clientId, { audit, actor: 'cli' })
 */
export interface AdminOptions {
  audit?: AuditSink
  /** Default `admin` (library code); the CLI passes `cli`. */
  actor?: AuditActor
  /**
   * The server's capabilities, which decide the grant types and authentication methods a client may
   * register (`server.registry`); default the core ones.
   */
  registry?: ClientRules
  /**
   * The server secret (the newest of a rotation): seals the secret of a `client_secret_jwt` client, which
   * the server must read back as its HMAC key (RFC 7523 §2.2). Needed only for such clients.
   */
  secret?: string
}

/** What client validation needs to know of a registry (`Registry` has it): the grants and authentication methods. */
export interface ClientRules {
  readonly grants: ReadonlyMap<string, { readonly usesRedirectUri?: boolean; readonly confidentialOnly?: boolean }>
  readonly authMethods: ReadonlyMap<string, { readonly confidential: boolean }>
}

/** The sink and actor of an administrative change, with their defaults. */
export function auditOf(store: Store, options: AdminOptions): { audit: AuditSink; actor: AuditActor } {
  return { audit: options.audit ?? createAuditSink({ store }), actor: options.actor ?? 'admin' }
}
