import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { ClientStore, SessionRecord, TransactionRecord } from './store.js'

interface ClientDatabase {
  rp_transactions: TransactionRecord
  rp_sessions: SessionRecord
}

export interface SqliteClientStoreOptions {
  /** Database file (its folder is created) or `':memory:'`. May be the authorization server's file: the tables are `rp_*`. */
  filename: string
}

async function createTables(db: Kysely<ClientDatabase>): Promise<void> {
  await db.schema
    .createTable('rp_transactions')
    .ifNotExists()
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('rp_sessions')
    .ifNotExists()
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user', 'text', (c) => c.notNull())
    .addColumn('tokens', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('rp_sessions_identity').ifNotExists().on('rp_sessions').columns(['issuer', 'subject']).execute()
}

/**
 * A `ClientStore` on SQLite (Kysely over better-sqlite3), creating its tables `rp_transactions` and
 * `rp_sessions` on open.
 *
 * @example const store = await openSqliteClientStore({ filename: './data/app.db' })
 */
export async function openSqliteClientStore(options: SqliteClientStoreOptions): Promise<ClientStore> {
  if (options.filename !== ':memory:' && options.filename !== '') mkdirSync(dirname(options.filename), { recursive: true })
  const sqlite = new BetterSqlite3(options.filename)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('busy_timeout = 5000')
  const db = new Kysely<ClientDatabase>({ dialect: new SqliteDialect({ database: sqlite }) })
  try {
    await createTables(db)
  } catch (error) {
    await db.destroy()
    throw error
  }
  return {
    transactions: {
      async save(record) {
        await db.insertInto('rp_transactions').values(record).execute()
      },
      // DELETE … RETURNING is one statement under SQLite's write lock: exactly one caller gets the row.
      async consume(key) {
        return db.deleteFrom('rp_transactions').where('key', '=', key).returningAll().executeTakeFirst()
      },
    },
    sessions: {
      async save(record) {
        await db.insertInto('rp_sessions').values(record).execute()
      },
      async get(key, now) {
        return db.selectFrom('rp_sessions').selectAll().where('key', '=', key).where('expires_at', '>', now).executeTakeFirst()
      },
      async updateTokens(key, tokens, now) {
        await db.updateTable('rp_sessions').set({ tokens, updated_at: now }).where('key', '=', key).execute()
      },
      async touch(key, now) {
        await db.updateTable('rp_sessions').set({ updated_at: now }).where('key', '=', key).execute()
      },
      async delete(key) {
        await db.deleteFrom('rp_sessions').where('key', '=', key).execute()
      },
    },
    async purgeExpired(now) {
      await db.deleteFrom('rp_transactions').where('expires_at', '<=', now).execute()
      await db.deleteFrom('rp_sessions').where('expires_at', '<=', now).execute()
    },
    async close() {
      await db.destroy()
    },
  }
}
