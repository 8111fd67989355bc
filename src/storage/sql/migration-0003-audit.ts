import type { Kysely, Migration } from 'kysely'

// See migrations.ts: `unknown` instead of `any`, because a migration must not depend on today's schema type.
type AnyDb = Kysely<unknown>

/**
 * The audit trail (`AuditStore`). No foreign keys: an event outlives the user or client it names, which
 * is the point of an audit trail. Indexes serve the filters of `tessera-oidc audit` (each newest first) and
 * the retention purge.
 */
export const auditMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('audit_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('time', 'bigint', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('client_id', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    for (const columns of [['time', 'id'], ['subject', 'time'], ['client_id', 'time'], ['type', 'time'], ['expires_at']]) {
      await db.schema.createIndex(`audit_events_${columns.join('_')}_idx`).on('audit_events').columns(columns).execute()
    }
  },

  async down(db: AnyDb) {
    await db.schema.dropTable('audit_events').execute()
  },
}
