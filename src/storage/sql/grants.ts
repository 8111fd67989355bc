import type { Kysely } from 'kysely'
import type { BackendGrantStore } from '../compose-store.js'
import type { ChangeVersion } from './change-version.js'
import { readCache } from './read-cache.js'
import type { Database } from './schema.js'

/**
 * Remembers the grant as revoked and deletes its refresh and opaque access tokens. A second revocation never shortens the
 * first: the upsert only moves `until` later.
 */
async function revokeGrant(trx: Kysely<Database>, grantId: string, until: number): Promise<void> {
  await trx
    .insertInto('revoked_grants')
    .values({ grant_id: grantId, until })
    .onConflict((oc) => oc.column('grant_id').doUpdateSet({ until }).where('revoked_grants.until', '<', until))
    .execute()
  await trx.deleteFrom('refresh_tokens').where('grant_id', '=', grantId).execute()
  await trx.deleteFrom('access_tokens').where('grant_id', '=', grantId).execute()
}

/**
 * The grants of one user for one client known to the SQL tables: those of their refresh tokens (rotated
 * ones included, until purged) and opaque access tokens, each once. Codes are records: `composeStore`
 * adds theirs.
 */
export async function listGrantIds(db: Kysely<Database>, userId: string, clientId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('refresh_tokens')
    .select('grant_id')
    .where('user_id', '=', userId)
    .where('client_id', '=', clientId)
    .union(
      db
        .selectFrom('access_tokens')
        .select('grant_id')
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .where('grant_id', 'is not', null)
        .$narrowType<{ grant_id: string }>(),
    )
    .execute()
  return rows.map((row) => row.grant_id)
}

export function sqlGrantStore(db: Kysely<Database>, changeVersion?: ChangeVersion): BackendGrantStore {
  // Asked on every introspection and refresh, mostly of the same few grants (issue 20).
  const cached = readCache<{ until: number | string } | undefined>(changeVersion, 'revoked_grants')
  return {
    // RFC 6749 §4.1.2 (code replay) and RFC 9700 §4.14.2 (refresh token reuse) revoke the whole grant;
    // one transaction so a concurrent rotation cannot slip a new token in between.
    revoke(grantId, until) {
      return db.transaction().execute((trx) => revokeGrant(trx, grantId, until))
    },

    async isRevoked(grantId, now) {
      // The time is compared here rather than in SQL, so one cached row answers at any `now`.
      const row = await cached(grantId, () => db.selectFrom('revoked_grants').select('until').where('grant_id', '=', grantId).executeTakeFirst())
      return row !== undefined && Number(row.until) > now
    },

    // A grant already revoked is not counted again, so a repeated "disconnect" reports 0 even when the
    // clock moved between the two (the later horizon is still kept).
    revokeByUserAndClient(userId, clientId, until, alsoGrantIds) {
      return db.transaction().execute(async (trx) => {
        const all = [...new Set([...(await listGrantIds(trx, userId, clientId)), ...alsoGrantIds])]
        if (all.length === 0) return 0
        const known = await trx.selectFrom('revoked_grants').select('grant_id').where('grant_id', 'in', all).execute()
        for (const grantId of all) await revokeGrant(trx, grantId, until)
        return all.length - known.length
      })
    },
  }
}
