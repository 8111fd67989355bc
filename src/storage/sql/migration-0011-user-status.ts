import type { Kysely, Migration } from 'kysely'

// See migrations.ts: `unknown` instead of `any`, because a migration must not depend on today's schema type.
type AnyDb = Kysely<unknown>

/**
 * The operator's "disabled" switch of a user (the admin API's `PATCH /users/{id}`, `user update --disable`):
 * a disabled user signs in nowhere and gets no token. Existing rows become what they were: enabled.
 */
export const userStatusMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('users').addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  },
}
