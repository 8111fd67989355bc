import { sql, type Kysely } from 'kysely'
import { composeStore } from '../compose-store.js'
import type { Store } from '../types.js'
import { sqlAccessTokenStore } from './access-tokens.js'
import { sqlAuditStore } from './audit.js'
import { sqlClientStore } from './clients.js'
import { sqlConsentStore } from './consents.js'
import { listGrantIds, sqlGrantStore } from './grants.js'
import { sqlSigningKeyStore } from './keys.js'
import { sqlRecordStore, type RecordWrites } from './records.js'
import { sqlRefreshTokenStore } from './refresh-tokens.js'
import { sqlRevokedTokenStore } from './revoked-tokens.js'
import type { ChangeVersion } from './change-version.js'
import type { Database } from './schema.js'
import { sqlUserStore } from './users.js'

export type SqlDialect = 'sqlite' | 'postgres'

/** Options of `createSqlStore`. */
export interface SqlStoreOptions {
  /**
   * Lets the store answer the reads of every token request and introspection (the client, the stored APIs,
   * whether a grant or a token was revoked) from memory while the value it returns is unchanged; the SQLite
   * store passes its connection's (see `change-version.ts`).
   */
  changeVersion?: ChangeVersion | undefined
}

/** A SQL store: the `Store` contract plus what `createCompositeStore` needs from a durable store. */
export interface SqlStore extends Store {
  /** Ids of the grants of one user for one client (from their refresh and opaque access tokens), each once. */
  listGrantIds(userId: string, clientId: string): Promise<string[]>
}

/**
 * The store over any Kysely database with the schema of `migrations.ts`; the SQLite and PostgreSQL
 * stores differ only in how they open the connection. `dialect` selects the few clauses one engine
 * lacks (`FOR UPDATE` on SQLite). Migrations must already have run.
 *
 * @example const store = createSqlStore(new Kysely<Database>({ dialect }), 'postgres')
 * @see ../types.ts for the contract every method keeps
 */
export function createSqlStore(db: Kysely<Database>, dialect: SqlDialect, options: SqlStoreOptions = {}): SqlStore {
  // Writes of records per kind, counted by the record store and by the refresh store's kept successors.
  const recordWrites: RecordWrites = new Map()
  return composeStore({
    clients: sqlClientStore(db, options.changeVersion),
    users: sqlUserStore(db, options.changeVersion),
    refreshTokens: sqlRefreshTokenStore(db, recordWrites),
    accessTokens: sqlAccessTokenStore(db),
    grants: sqlGrantStore(db, options.changeVersion),
    revokedTokens: sqlRevokedTokenStore(db, options.changeVersion),
    consents: sqlConsentStore(db, dialect),
    keys: sqlSigningKeyStore(db),
    audit: sqlAuditStore(db),
    records: sqlRecordStore(db, options.changeVersion, recordWrites),
    listGrantIds: (userId: string, clientId: string) => listGrantIds(db, userId, clientId),
    purgeExpired: (now) => purgeExpired(db, dialect, now),
    ping: async () => {
      await sql`SELECT 1`.execute(db)
    },
    close: () => db.destroy(),
  })
}

/**
 * Rows deleted per statement of the purge. A day of traffic leaves hundreds of thousands of expired rows;
 * deleting them in one statement held SQLite's connection (and with it the event loop) for seconds and
 * PostgreSQL's locks for as long. Between batches the purge yields, so requests go on (issue 20's soak).
 */
export const PURGE_BATCH = 1000

/** Tables with an expiry, and the column that holds it. */
const EXPIRING: readonly (readonly [keyof Database, string])[] = [
  ['records', 'expires_at'],
  ['refresh_tokens', 'expires_at'],
  ['access_tokens', 'expires_at'],
  ['revoked_grants', 'until'],
  ['revoked_tokens', 'expires_at'],
  ['audit_events', 'expires_at'],
]

// Consumed codes and rotated refresh tokens stay until they expire, so a replay is still detected
// (RFC 6749 §4.1.2, RFC 9700 §4.14.2); signing keys are not purged, `list` filters them.
async function purgeExpired(db: Kysely<Database>, dialect: SqlDialect, now: number): Promise<void> {
  // Every table has one, whatever its primary key: SQLite's rowid, PostgreSQL's ctid.
  const row = sql.raw(dialect === 'sqlite' ? 'rowid' : 'ctid')
  for (const [name, column] of EXPIRING) {
    const table = sql.table(name)
    for (;;) {
      const { numAffectedRows } = await sql`DELETE FROM ${table} WHERE ${row} IN (SELECT ${row} FROM ${table} WHERE ${sql.ref(column)} <= ${now} LIMIT ${PURGE_BATCH})`.execute(db)
      if ((numAffectedRows ?? 0n) < BigInt(PURGE_BATCH)) break
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
}
