/**
 * `tessera-oidc/storage/sqlite`: the embedded default store (better-sqlite3).
 *
 * @module tessera-oidc/storage/sqlite
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Kysely, SqliteDialect } from 'kysely'
import { importOptional, OPTIONAL_MODULES } from '../crypto/optional-module.js'
import { migrateToLatest } from './sql/migrations.js'
import type { Database } from './sql/schema.js'
import { createSqlStore } from './sql/sql-store.js'
import { withStatementCache } from './sql/statement-cache.js'
import { withBackgroundCheckpoints } from './sql/background-checkpoints.js'
import { trackChanges, type ChangeVersion } from './sql/change-version.js'
import type { Store } from './types.js'

export { migrateToLatest } from './sql/migrations.js'

/** Options of `openSqliteStore`. */
export interface SqliteStoreOptions {
  /** Path of the database file (its folder is created if missing), or `':memory:'`. */
  filename: string
}

/**
 * Opens (creating if needed) a SQLite store and brings its schema up to date. Preferred over
 * `createSqliteStore`: a migration failure rejects here, at startup.
 *
 * @example const store = await openSqliteStore({ filename: './data/tessera.db' })
 * @see ./types.ts for the contract
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const { db, changeVersion } = openDatabase(options.filename)
  try {
    await migrateToLatest(db)
  } catch (error) {
    await db.destroy()
    throw error
  }
  return createSqlStore(db, 'sqlite', { changeVersion })
}

/**
 * Same store, returned synchronously: every method first waits for the migration, and a migration
 * failure rejects every call.
 *
 * @example const store = createSqliteStore({ filename: ':memory:' })
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const { db, changeVersion } = openDatabase(options.filename)
  const ready = migrateToLatest(db)
  // The failure is reported by each call that awaits `ready`; this only avoids an unhandled rejection.
  ready.catch(() => undefined)
  const store = afterReady(createSqlStore(db, 'sqlite', { changeVersion }), ready)
  // Closing must work even when the migration failed.
  return { ...store, close: () => ready.catch(() => undefined).then(() => db.destroy()) }
}

function openDatabase(filename: string): { db: Kysely<Database>; changeVersion: ChangeVersion } {
  // Nothing is cached until the connection is open (it opens on the first query, the migration).
  let changeVersion: ChangeVersion = () => undefined
  if (filename !== ':memory:' && filename !== '') mkdirSync(dirname(filename), { recursive: true })
  // better-sqlite3 is an optional peer, loaded on the first query (the migration): a missing one rejects
  // with MissingDependencyError there, from `openSqliteStore` or from every call of `createSqliteStore`.
  const database = async () => {
    const BetterSqlite3 = await importOptional('the SQLite store', OPTIONAL_MODULES.betterSqlite3)
    const sqlite = new BetterSqlite3(filename)
    // WAL lets readers run while a writer commits; NORMAL is durable across application crashes in WAL
    // mode (only an OS crash can lose the last commits); foreign keys are off by default in SQLite;
    // busy_timeout makes a second process (the CLI next to the server) wait for the lock instead of failing.
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('synchronous = NORMAL')
    sqlite.pragma('foreign_keys = ON')
    sqlite.pragma('busy_timeout = 5000')
    const tracked = trackChanges(withStatementCache(sqlite), sqlite)
    changeVersion = tracked.version
    return filename === ':memory:' || filename === '' ? tracked.database : withBackgroundCheckpoints(tracked.database, sqlite, filename)
  }
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), changeVersion: (table) => changeVersion(table) }
}

/** Wraps every method of `target` (and of its nested sub-stores) to await `ready` first. */
function afterReady<T extends object>(target: T, ready: Promise<void>): T {
  const wrapped: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(target)) {
    if (typeof value === 'function') {
      const method = value as (...args: unknown[]) => Promise<unknown>
      wrapped[name] = async (...args: unknown[]) => {
        await ready
        return method(...args)
      }
    } else {
      wrapped[name] = typeof value === 'object' && value !== null ? afterReady(value, ready) : value
    }
  }
  return wrapped as T
}
