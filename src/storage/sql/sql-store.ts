import { sql, type Kysely } from 'kysely'
import type { Store } from '../types.js'
import { sqlAccessTokenStore } from './access-tokens.js'
import { sqlAuditStore } from './audit.js'
import { sqlClientStore } from './clients.js'
import { sqlCodeStore } from './codes.js'
import { sqlConsentStore } from './consents.js'
import { listGrantIds, sqlGrantStore } from './grants.js'
import { sqlInteractionStore } from './interactions.js'
import { sqlSigningKeyStore } from './keys.js'
import { sqlRefreshTokenStore } from './refresh-tokens.js'
import { sqlRevokedTokenStore } from './revoked-tokens.js'
import type { Database } from './schema.js'
import { sqlNoteStore } from './notes.js'
import { sqlSessionStore } from './sessions.js'
import { sqlUserStore } from './users.js'

export type SqlDialect = 'sqlite' | 'postgres'

/** A SQL store: the `Store` contract plus what `createCompositeStore` needs from a durable store. */
export interface SqlStore extends Store {
  /** Ids of the grants of one user for one client (from their refresh tokens and codes), each once. */
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
  return {
    clients: sqlClientStore(db),
    users: sqlUserStore(db),
    codes: sqlCodeStore(db),
    refreshTokens: sqlRefreshTokenStore(db),
    accessTokens: sqlAccessTokenStore(db),
    grants: sqlGrantStore(db),
    revokedTokens: sqlRevokedTokenStore(db),
    consents: sqlConsentStore(db, dialect),
    sessions: sqlSessionStore(db),
    interactions: sqlInteractionStore(db),
    keys: sqlSigningKeyStore(db),
    notes: sqlNoteStore(db),
    audit: sqlAuditStore(db),
    listGrantIds: (userId, clientId) => listGrantIds(db, userId, clientId),
    purgeExpired: (now) => purgeExpired(db, now),
    ping: async () => {
      await sql`SELECT 1`.execute(db)
    },
    close: () => db.destroy(),
  }
}

// Consumed codes and rotated refresh tokens stay until they expire, so a replay is still detected
// (RFC 6749 §4.1.2, RFC 9700 §4.14.2); signing keys are not purged, `list` filters them.
async function purgeExpired(db: Kysely<Database>, now: number): Promise<void> {
  await db.deleteFrom('authorization_codes').where('expires_at', '<=', now).execute()
  await db.deleteFrom('refresh_tokens').where('expires_at', '<=', now).execute()
  await db.deleteFrom('access_tokens').where('expires_at', '<=', now).execute()
  await db.deleteFrom('login_sessions').where('expires_at', '<=', now).execute()
  await db.deleteFrom('interactions').where('expires_at', '<=', now).execute()
  await db.deleteFrom('revoked_grants').where('until', '<=', now).execute()
  await db.deleteFrom('revoked_tokens').where('expires_at', '<=', now).execute()
  await db.deleteFrom('audit_events').where('expires_at', '<=', now).execute()
}
