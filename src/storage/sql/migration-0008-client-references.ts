import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely'

// See migrations.ts: `unknown` instead of `any`, because a migration must not depend on today's schema type.
type AnyDb = Kysely<unknown>

/**
 * Refresh tokens, opaque access tokens and consents no longer reference `clients`: a client known by its
 * client ID metadata document (an https `client_id`) is never stored, yet holds tokens and consents.
 * `ClientStore.delete` still deletes a stored client's rows in one transaction, and a token of a client
 * that is gone is refused when used (the token endpoint authenticates the client, token validation looks
 * it up). The `users` references stay.
 *
 * Neither SQLite nor Kysely's schema builder can drop a column's constraint, so each table is rebuilt:
 * created anew, filled, the old one dropped, the new one renamed, its indexes created again.
 */
export const clientReferencesMigration: Migration = {
  async up(db: AnyDb) {
    await rebuild(db, 'refresh_tokens', (table) => table
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('grant_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('resource', 'text')
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      .addColumn('session_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('consumed_at', 'bigint'),
    [['grant_id'], ['user_id', 'client_id'], ['client_id'], ['expires_at']])

    await rebuild(db, 'access_tokens', (table) => table
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('jti', 'text', (c) => c.notNull())
      .addColumn('grant_id', 'text')
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.references('users.id'))
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('audience', 'text', (c) => c.notNull())
      .addColumn('auth_time', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull()),
    [['grant_id'], ['client_id'], ['user_id'], ['expires_at']])

    await rebuild(db, 'consents', (table) => table
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      // A new name: PostgreSQL's constraint names are unique per schema while the old table exists.
      .addPrimaryKeyConstraint('consents_user_client_pkey', ['user_id', 'client_id']),
    [['client_id']])
  },
}

async function rebuild(
  db: AnyDb, table: string, columns: (builder: CreateTableBuilder<string, never>) => CreateTableBuilder<string, string>, indexes: string[][],
): Promise<void> {
  const next = `${table}_next`
  await columns(db.schema.createTable(next)).execute()
  // The same columns in the same order as the original table's, so `select *` fills them.
  await sql`insert into ${sql.table(next)} select * from ${sql.table(table)}`.execute(db)
  await db.schema.dropTable(table).execute()
  await db.schema.alterTable(next).renameTo(table).execute()
  for (const index of indexes) await db.schema.createIndex(`${table}_${index.join('_')}_idx`).on(table).columns(index).execute()
}
