import { safely } from '../observer.js'
import { randomUInt } from '../../crypto/random.js'
import type { Logger } from 'pino'
import type { AuditRecord, Store } from '../../storage/types.js'
import { auditColumns, auditLevel, type AuditEvent } from './events.js'

/** Audit records are kept this long unless configured otherwise (`auditRetention`). */
export const DEFAULT_AUDIT_RETENTION = 90 * 24 * 3600

/**
 * Where audit events go: a log line at once, and a record in the store.
 *
 * Durability: `record` writes the log line synchronously, starts the store write and returns its
 * promise, which never rejects (a failed write is logged with the event, so the event is never lost
 * silently). Request handlers do not await it — the log line already exists, and an audit database
 * that is slow or down must neither delay nor fail a login or a token request (availability of the
 * protocol outweighs a second copy of the event). Administrative changes (CLI, `createClient`…) await
 * it: the process may exit right after, and a change made without its record would be invisible to
 * `tessera-oidc audit`. `flush` lets tests and shutdown wait for the writes still in flight.
 *
 * Cost: records are written in batches, one multi-row insert (one commit) for every record of an event
 * loop turn, at most `MAX_BATCH` at a time, so a busy token endpoint pays one commit per batch instead of
 * one per token.
 *
 * @example ctx.audit.record({ type: 'consent.granted', user_id, client_id, scopes })
 */
export interface AuditSink {
  /** Logs the event at its level and queues it for the store, written in the next batch. */
  record(event: AuditEvent): Promise<void>
  /** Waits until every recorded event is stored. */
  flush(): Promise<void>
}

/** Options of `createAuditSink`. */
export interface AuditSinkOptions {
  store: Pick<Store, 'audit'>
  /** Events log through `logger.child({ audit: true })`; without a logger they are only stored. */
  logger?: Logger | undefined
  /** Unix seconds; defaults to the system clock. */
  now?: (() => number) | undefined
  /** Seconds a record is kept; default 90 days. */
  retention?: number | undefined
  /** Log levels of events registered by capabilities (`registry.auditEvents`); core events know theirs. */
  levels?: ReadonlyMap<string, 'info' | 'warn'> | undefined
  /** Sees each event as it is recorded (the server's `observer.event`). */
  observe?: ((event: AuditEvent) => void) | undefined
}

let sequence = 0
const MAX_BATCH = 500
/**
 * Records waiting for a store that is slow or down are bounded: past this, new records are dropped with an
 * error (each one's log line is already written), so an outage cannot exhaust memory.
 */
export const MAX_QUEUED_AUDIT_RECORDS = 10_000

/**
 * Record ids sort in emission order within a process: milliseconds, a counter, then randomness so that
 * processes never collide. Lower-case letters and digits only, so every database collation orders them
 * the same way.
 */
let idMillisecond = -1
let idPrefix = ''

function newAuditId(): string {
  const millisecond = Date.now()
  if (millisecond !== idMillisecond) {
    idMillisecond = millisecond
    idPrefix = millisecond.toString(36).padStart(9, '0')
  }
  sequence = (sequence + 1) % 36 ** 4
  return idPrefix + sequence.toString(36).padStart(4, '0') + randomUInt(6).toString(36).padStart(10, '0')
}

/**
 * The audit sink of a server or CLI command.
 *
 * @example const audit = createAuditSink({ store, logger, retention: 30 * 86400 })
 * @see ./events.ts for what is recorded
 */
export function createAuditSink(options: AuditSinkOptions): AuditSink {
  const log = options.logger?.child({ audit: true })
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))
  const retention = options.retention ?? DEFAULT_AUDIT_RETENTION
  const queue: { record: AuditRecord; stored: () => void }[] = []
  let draining: Promise<void> | undefined

  async function writeQueued(): Promise<void> {
    // Let the rest of this event loop turn add its records to the batch.
    await new Promise((resolve) => setImmediate(resolve))
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH)
      try {
        await options.store.audit.append(...batch.map((entry) => entry.record))
      } catch (error) {
        for (const { record } of batch) (log ?? options.logger)?.error({ err: error, event: record.type, audit_id: record.id }, 'audit record could not be stored')
      }
      for (const entry of batch) entry.stored()
    }
  }

  function drain(): Promise<void> {
    draining ??= writeQueued().finally(() => {
      draining = undefined
      // A record queued while the last batch was being written starts the next drain.
      if (queue.length > 0) void drain()
    })
    return draining
  }

  return {
    record(event) {
      safely(options.observe, event)
      const time = now()
      const record: AuditRecord = { id: newAuditId(), type: event.type, time, ...auditColumns(event), expires_at: time + retention }
      log?.[auditLevel(event.type, options.levels)]({ event: record.type, audit_id: record.id, subject: record.subject, client_id: record.client_id, ...record.details }, record.type)
      if (queue.length >= MAX_QUEUED_AUDIT_RECORDS) {
        ;(log ?? options.logger)?.error({ event: record.type, audit_id: record.id }, 'audit record dropped: too many waiting for the store')
        return Promise.resolve()
      }
      return new Promise<void>((stored) => {
        queue.push({ record, stored })
        void drain()
      })
    },
    async flush() {
      while (draining !== undefined || queue.length > 0) await (draining ?? drain())
    },
  }
}
