import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { expandAuditType } from '../server/audit/events.js'
import { auditEventTypes } from './capabilities.js'
import { createAuditSink, type AuditSink } from '../server/audit/sink.js'
import type { AuditRecord, AuditValue, Store } from '../storage/types.js'
import { now, openStore, print, STORE_OPTIONS, UsageError } from './common.js'

const DEFAULT_LIMIT = 50
const MAX_LIMIT = 10_000
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }

/**
 * The audit sink of a CLI command: records go to the store only (stdout is the command's output), and a
 * record that cannot be stored is reported on stderr.
 */
export function cliAuditSink(store: Store): AuditSink {
  return createAuditSink({ store, logger: pino({ level: 'error' }, pino.destination(2)) })
}

/**
 * A point in time for `--since`/`--until`: relative to `current` (`90s`, `15m`, `1h`, `7d`, `2w` ago) or
 * an ISO 8601 date or date-time. Unix seconds.
 *
 * @example parseTime('1h', 1_700_000_000) // 1_699_996_400
 */
export function parseTime(value: string, current: number, flag = '--since'): number {
  const relative = /^(\d{1,9})([smhdw])$/.exec(value)
  if (relative) return current - Number(relative[1]) * (UNIT_SECONDS[relative[2] ?? 's'] ?? 1)
  const time = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(time)) throw new UsageError(`${flag} must be an ISO time (2026-01-31T12:00:00Z) or a duration ago (30m, 1h, 7d)`)
  return Math.floor(time / 1000)
}

/** Event types for repeated `--type` values, each an exact type or a family (`login`, `token`…). */
export function parseTypes(values: readonly string[]): string[] {
  const types = new Set<string>()
  const known = auditEventTypes()
  for (const value of values.flatMap((v) => v.split(',')).filter(Boolean)) {
    const expanded = expandAuditType(value, known)
    if (expanded.length === 0) throw new UsageError(`unknown audit event type ${JSON.stringify(value)}; one of: ${known.join(', ')}`)
    for (const type of expanded) types.add(type)
  }
  return [...types]
}

// Attempted usernames are whatever a client typed: control characters (terminal escapes) and bidi
// overrides are shown escaped, so a crafted value cannot rewrite the operator's screen.
function isUnsafe(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x200e || code === 0x200f || code === 0x2028 || code === 0x2029
    || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)
}

function display(value: AuditValue): string {
  const text = Array.isArray(value) ? value.join(',') : String(value)
  let escaped = ''
  for (const char of text) {
    const code = char.charCodeAt(0)
    escaped += isUnsafe(code) ? `\\u${code.toString(16).padStart(4, '0')}` : char
  }
  return escaped === '' || /[\s"=]/.test(escaped) ? JSON.stringify(escaped) : escaped
}

/** The human table: one line per event, newest first. */
export function formatAuditTable(records: readonly AuditRecord[]): string {
  if (records.length === 0) return '(no audit events)'
  const rows = records.map((record) => [
    new Date(record.time * 1000).toISOString().replace('.000Z', 'Z'),
    record.type,
    record.subject === null ? '-' : display(record.subject),
    record.client_id === null ? '-' : display(record.client_id),
    Object.entries(record.details).map(([key, value]) => `${key}=${display(value)}`).join(' '),
  ])
  const header = ['TIME', 'TYPE', 'SUBJECT', 'CLIENT', 'DETAILS']
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)))
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

/** `tessera-oidc audit`: the audit trail, newest first, filtered by time, type, user and client. */
export async function auditCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...STORE_OPTIONS,
      json: { type: 'boolean' },
      since: { type: 'string' },
      until: { type: 'string' },
      type: { type: 'string', multiple: true },
      user: { type: 'string' },
      client: { type: 'string' },
      limit: { type: 'string' },
    },
    strict: true,
  })
  const current = now()
  const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new UsageError(`--limit must be an integer from 1 to ${MAX_LIMIT}`)
  const since = values.since === undefined ? undefined : parseTime(values.since, current)
  const until = values.until === undefined ? undefined : parseTime(values.until, current, '--until')
  const types = values.type === undefined ? undefined : parseTypes(values.type)
  const store = await openStore(values)
  try {
    // A username names the user it belongs to now; anything else is taken as a user id (deleted users too).
    const subject = values.user === undefined ? undefined : ((await store.users.getByUsername(values.user))?.id ?? values.user)
    const records = await store.audit.list({ since, until, type: types, subject, clientId: values.client, limit })
    print(values.json ?? false, records, formatAuditTable(records))
  } finally {
    await store.close()
  }
}
