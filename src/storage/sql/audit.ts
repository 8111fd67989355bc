import type { Kysely, Selectable } from 'kysely'
import type { AuditRecord, AuditStore, AuditValue } from '../types.js'
import { insertUnique } from './errors.js'
import type { AuditEventsTable, Database } from './schema.js'

function toRecord(row: Selectable<AuditEventsTable>): AuditRecord {
  return {
    id: row.id,
    type: row.type,
    time: Number(row.time),
    subject: row.subject,
    client_id: row.client_id,
    details: JSON.parse(row.details) as Record<string, AuditValue>,
    expires_at: Number(row.expires_at),
  }
}

export function sqlAuditStore(db: Kysely<Database>): AuditStore {
  return {
    // One multi-row INSERT: one statement and one commit for a whole batch, atomic in both engines.
    async append(...records) {
      if (records.length === 0) return
      const rows = records.map((record) => ({ ...record, details: JSON.stringify(record.details) }))
      await insertUnique(() => db.insertInto('audit_events').values(rows).execute(), 'audit record id exists')
    },

    async list(query) {
      const types = typeof query.type === 'string' ? [query.type] : query.type
      // `IN ()` is a syntax error in both engines; an empty list matches nothing.
      if (types !== undefined && types.length === 0) return []
      let select = db.selectFrom('audit_events').selectAll()
      if (query.since !== undefined) select = select.where('time', '>=', query.since)
      if (query.until !== undefined) select = select.where('time', '<', query.until)
      if (types !== undefined) select = select.where('type', 'in', [...types])
      if (query.subject !== undefined) select = select.where('subject', '=', query.subject)
      if (query.clientId !== undefined) select = select.where('client_id', '=', query.clientId)
      const rows = await select.orderBy('time', 'desc').orderBy('id', 'desc').limit(query.limit).execute()
      return rows.map(toRecord)
    },
  }
}
