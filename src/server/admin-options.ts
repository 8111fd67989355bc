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
}

/** The sink and actor of an administrative change, with their defaults. */
export function auditOf(store: Store, options: AdminOptions): { audit: AuditSink; actor: AuditActor } {
  return { audit: options.audit ?? createAuditSink({ store }), actor: options.actor ?? 'admin' }
}
