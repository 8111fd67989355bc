/**
 * `tessera-oidc/client/sqlite`: the relying party's SQLite store.
 *
 * @module tessera-oidc/client/sqlite
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Kysely, SqliteDialect } from 'kysely'
import { importOptional, OPTIONAL_MODULES } from '../crypto/optional-module.js'
import { openSqlClientStore, type ClientDatabase } from './sql-store.js'
import type { RelyingPartyStore } from './store.js'

/** Options of `openSqliteClientStore`. */
export interface SqliteClientStoreOptions {
  /** Database file (its folder is created) or `':memory:'`. May be the authorization server's file: the tables are `rp_*`. */
  filename: string
}

/**
 * A `RelyingPartyStore` on SQLite (Kysely over better-sqlite3), creating its tables `rp_transactions` and
 * `rp_sessions` on open. For an app running as one process; several instances share a PostgreSQL or
 * Redis store instead (`tessera-oidc/client/postgres`, `tessera-oidc/client/redis`).
 *
 * @example const store = await openSqliteClientStore({ filename: './data/app.db' })
 * @see ./sql-store.ts for the statements, shared with PostgreSQL
 */
export async function openSqliteClientStore(options: SqliteClientStoreOptions): Promise<RelyingPartyStore> {
  if (options.filename !== ':memory:' && options.filename !== '') mkdirSync(dirname(options.filename), { recursive: true })
  const BetterSqlite3 = await importOptional('the SQLite client store', OPTIONAL_MODULES.betterSqlite3)
  const sqlite = new BetterSqlite3(options.filename)
  // WAL lets readers run while a write is in progress; busy_timeout makes a second process wait for the
  // write lock instead of failing at once.
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('busy_timeout = 5000')
  return openSqlClientStore(new Kysely<ClientDatabase>({ dialect: new SqliteDialect({ database: sqlite }) }))
}
