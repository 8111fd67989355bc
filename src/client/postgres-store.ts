/**
 * `tessera-oidc/client/postgres`: the relying party's PostgreSQL store.
 *
 * @module tessera-oidc/client/postgres
 */
import { Kysely, PostgresDialect } from 'kysely'
import type pg from 'pg'
import { importOptional, OPTIONAL_MODULES } from '../crypto/optional-module.js'
import { toStorageError, translateErrors } from '../storage/postgres-errors.js'
import { openSqlClientStore, type ClientDatabase } from './sql-store.js'
import type { RelyingPartyStore } from './store.js'

/** Options of `openPostgresClientStore`. */
export interface PostgresClientStoreOptions {
  /** `postgres://user:password@host:port/database`. May be the authorization server's database: the tables are `rp_*`. */
  connectionString: string
  /**
   * node-postgres pool settings (`max`, `ssl`, timeouts…). Defaults: 10 connections and a 5 s limit on
   * opening one, so that a login fails fast while the server is down instead of queueing forever.
   *
   * @see https://node-postgres.com/apis/pool
   */
  pool?: Omit<pg.PoolConfig, 'connectionString'>
}

/**
 * A `RelyingPartyStore` on PostgreSQL, for an app running as several instances: a login started on one
 * instance completes on another, and sessions are shared. Creates `rp_transactions` and `rp_sessions`
 * when missing (several instances may start at once); a transaction is consumed by one
 * `DELETE … RETURNING`, so of two instances receiving the same callback exactly one gets it. While
 * PostgreSQL cannot be reached, calls reject with `StorageUnavailableError` (from `tessera-oidc/client`).
 *
 * @example const store = await openPostgresClientStore({ connectionString: process.env.DATABASE_URL! })
 * @see ./sql-store.ts for the statements, shared with SQLite
 */
export async function openPostgresClientStore(options: PostgresClientStoreOptions): Promise<RelyingPartyStore> {
  const driver = await importOptional('the PostgreSQL client store', OPTIONAL_MODULES.pg)
  const pool = new driver.Pool({ max: 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, ...options.pool, connectionString: options.connectionString })
  // A pooled connection that breaks (server restart, network) emits 'error', and an EventEmitter without
  // a listener crashes the process. The pool re-emits it only for idle connections, so every connection
  // gets a listener too; the pool drops the broken connection and the next query opens a new one, while
  // a query in progress on it rejects on its own.
  pool.on('error', () => undefined)
  pool.on('connect', (client) => client.on('error', () => undefined))
  const db = new Kysely<ClientDatabase>({ dialect: new PostgresDialect({ pool }) })
  try {
    // As the authorization server's store: an unreachable server rejects with `StorageUnavailableError`,
    // here and in every later call, so an app can answer 503 rather than fail its login with a driver error.
    return translateErrors(await openSqlClientStore(db))
  } catch (error) {
    await db.destroy()
    throw toStorageError(error)
  }
}
