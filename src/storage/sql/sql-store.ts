import { sql, type Kysely } from 'kysely'
import { composeStore } from '../compose-store.js'
import type { Store } from '../types.js'
import { sqlAccessTokenStore } from './access-tokens.js'
import { sqlAuditStore } from './audit.js'
import { sqlClientStore } from './clients.js'
import { sqlConsentStore } from './consents.js'
import { listGrantIds, sqlGrantStore } from './grants.js'
import { sqlSigningKeyStore } from './keys.js'
import { sqlRecordStore } from './records.js'
import { sqlRefreshTokenStore } from './refresh-tokens.js'
import { sqlRevokedTokenStore } from './revoked-tokens.js'
import type { Database } from './schema.js'
import { sqlUserStore } from './users.js'

export type SqlDialect = 'sqlite' | 'postgres'

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
export function createSqlStore(db: Kysely<Database>, dialect: SqlDialect): SqlStore {
  return composeStore({
    clients: sqlClientStore(db),
    users: sqlUserStore(db),
    refreshTokens: sqlRefreshTokenStore(db),
    accessTokens: sqlAccessTokenStore(db),
    grants: sqlGrantStore(db),
    revokedTokens: sqlRevokedTokenStore(db),
    consents: sqlConsentStore(db, dialect),
    keys: sqlSigningKeyStore(db),
    audit: sqlAuditStore(db),
    records: sqlRecordStore(db),
    listGrantIds: (userId: string, clientId: string) => listGrantIds(db, userId, clientId),
    purgeExpired: (now) => purgeExpired(db, now),
    ping: async () => {
      await sql`SELECT 1`.execute(db)
    },
    close: () => db.destroy(),
  })
}

// Consumed codes and rotated refresh tokens stay until they expire, so a replay is still detected
// (RFC 6749 §4.1.2, RFC 9700 §4.14.2); signing keys are not purged, `list` filters them.
async function purgeExpired(db: Kysely<Database>, now: number): Promise<void> {
  await db.deleteFrom('records').where('expires_at', '<=', now).execute()
  await db.deleteFrom('refresh_tokens').where('expires_at', '<=', now).execute()
  await db.deleteFrom('access_tokens').where('expires_at', '<=', now).execute()
  await db.deleteFrom('revoked_grants').where('until', '<=', now).execute()
  await db.deleteFrom('revoked_tokens').where('expires_at', '<=', now).execute()
  await db.deleteFrom('audit_events').where('expires_at', '<=', now).execute()
}
