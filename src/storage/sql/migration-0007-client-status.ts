import type { Kysely, Migration } from 'kysely'

// See migrations.ts: `unknown` instead of `any`, because a migration must not depend on today's schema type.
type AnyDb = Kysely<unknown>

/**
 * A client's RFC 7591 §3.2.1 secret deadline and the operator's "disabled" switch (catalogue DR-09, DR-15).
 * Existing rows become what they were: enabled, with a secret that does not expire.
 */
export const clientStatusMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('clients').addColumn('client_secret_expires_at', 'bigint').execute()
    await db.schema.alterTable('clients').addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  },
}
