/**
 * `tessera-oidc/storage/postgres`: PostgreSQL (several instances).
 *
 * @module tessera-oidc/storage/postgres
 */
import { Kysely, PostgresDialect } from 'kysely'
import type pg from 'pg'
import { importOptional, OPTIONAL_MODULES } from '../crypto/optional-module.js'
import { migrateToLatest } from './sql/migrations.js'
import type { Database } from './sql/schema.js'
import { createSqlStore, type SqlStore } from './sql/sql-store.js'
import { toStorageError, translateErrors } from './postgres-errors.js'

export type { SqlStore } from './sql/sql-store.js'

/** Options of `openPostgresStore`. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (the CLI reads it from `--database-url` or `DATABASE_URL`). */
  connectionString: string
  /**
   * node-postgres pool settings (`max`, `ssl`, timeouts…). Defaults: 10 connections, and a 5 s limit on
   * opening one, so that requests fail fast with `StorageUnavailableError` while the server is down
   * instead of queueing forever.
   *
   * @see https://node-postgres.com/apis/pool
   */
  pool?: Omit<pg.PoolConfig, 'connectionString'>
  /**
   * Told when a pooled connection breaks (server restart, network), e.g. to log it; the pool opens a new
   * connection for the next query, and calls made while the server is down reject anyway.
   */
  onConnectionError?: (error: Error) => void
}

/**
 * Opens a PostgreSQL store and brings its schema up to date (several instances may start at once:
 * Kysely's migrator holds an advisory lock). Codes are consumed and refresh tokens rotated by conditional
 * `UPDATE … RETURNING` in the database, so any number of instances can share it. Every failure to reach
 * the server, here or in any later call, rejects with `StorageUnavailableError`; after an outage the pool
 * reconnects by itself.
 *
 * @example const store = await openPostgresStore({ connectionString: process.env.DATABASE_URL! })
 * @see ./types.ts for the contract
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<SqlStore> {
  const db = openDatabase(options)
  try {
    await migrateToLatest(db)
  } catch (error) {
    await db.destroy()
    throw toStorageError(error)
  }
  return translateErrors(createSqlStore(db, 'postgres'))
}

/**
 * Brings the schema of the database at `connectionString` up to date and disconnects: `tessera-oidc migrate`.
 * Running it again, or while servers are running, is safe.
 *
 * @example await migratePostgres('postgres://tessera@db.internal/tessera')
 */
export async function migratePostgres(connectionString: string): Promise<void> {
  const db = openDatabase({ connectionString })
  try {
    await migrateToLatest(db)
  } catch (error) {
    throw toStorageError(error)
  } finally {
    await db.destroy()
  }
}

function openDatabase(options: PostgresStoreOptions): Kysely<Database> {
  // pg is an optional peer, loaded when the first query (the migration) opens the pool.
  const pool = async () => {
    const pg = await importOptional('the PostgreSQL store', OPTIONAL_MODULES.pg)
    return createPool(pg, options)
  }
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}

function createPool(driver: typeof pg, options: PostgresStoreOptions): pg.Pool {
  const pool = new driver.Pool({ max: 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, ...options.pool, connectionString: options.connectionString })
  // A connection that breaks (server restart, network) emits 'error'; without a listener the process
  // would crash. The pool re-emits it for idle connections only, not for those checked out by Kysely (a
  // query or transaction in progress, which fails on its own), so every connection gets the listener
  // that reports, and the pool one that keeps the pool's copy quiet. The pool drops a broken connection
  // and the next query opens a new one.
  pool.on('error', () => undefined)
  pool.on('connect', (client) => client.on('error', options.onConnectionError ?? (() => undefined)))
  return pool
}

export { isPostgresUnavailable } from './postgres-errors.js'
