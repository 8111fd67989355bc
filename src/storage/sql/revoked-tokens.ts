import type { Kysely } from 'kysely'
import type { RevokedTokenStore } from '../types.js'
import type { ChangeVersion } from './change-version.js'
import { readCache } from './read-cache.js'
import type { Database } from './schema.js'

export function sqlRevokedTokenStore(db: Kysely<Database>, changeVersion?: ChangeVersion): RevokedTokenStore {
  // Asked on every introspection of a JWT access token, mostly of the same few tokens (issue 20).
  const cached = readCache<{ expires_at: number | string } | undefined>(changeVersion, 'revoked_tokens')
  return {
    // RFC 7009 §2.2: revoking an already revoked token succeeds; keep the later expiry.
    async add(jti, expiresAt) {
      await db
        .insertInto('revoked_tokens')
        .values({ jti, expires_at: expiresAt })
        .onConflict((oc) => oc.column('jti').doUpdateSet({ expires_at: expiresAt }).where('revoked_tokens.expires_at', '<', expiresAt))
        .execute()
    },

    async has(jti, now) {
      // The expiry is compared here rather than in SQL, so one cached row answers at any `now`.
      const row = await cached(jti, () => db.selectFrom('revoked_tokens').select('expires_at').where('jti', '=', jti).executeTakeFirst())
      return row !== undefined && Number(row.expires_at) > now
    },
  }
}
