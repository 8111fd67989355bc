import type { Kysely, Migration } from 'kysely'

// See migrations.ts: `unknown` instead of `any`, because a migration must not depend on today's schema type.
type AnyDb = Kysely<unknown>

/**
 * Opaque access tokens (`AccessTokenStore`), stored like refresh tokens: by SHA-256 only, referencing
 * their client and (for user grants) their user so no token outlives its owner. Indexes serve the
 * deletion by grant (revocation), by client and user, and the purge.
 */
export const accessTokensMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('access_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('jti', 'text', (c) => c.notNull())
      .addColumn('grant_id', 'text')
      .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id'))
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.references('users.id'))
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('audience', 'text', (c) => c.notNull())
      .addColumn('auth_time', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    for (const columns of [['grant_id'], ['client_id'], ['user_id'], ['expires_at']]) {
      await db.schema.createIndex(`access_tokens_${columns.join('_')}_idx`).on('access_tokens').columns(columns).execute()
    }
  },

  async down(db: AnyDb) {
    await db.schema.dropTable('access_tokens').execute()
  },
}
