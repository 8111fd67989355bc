import type { Kysely } from 'kysely'
import type { RevokedTokenStore } from '../types.js'
import type { Database } from './schema.js'

export function sqlRevokedTokenStore(db: Kysely<Database>): RevokedTokenStore {
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
      const row = await db
        .selectFrom('revoked_tokens')
        .select('jti')
        .where('jti', '=', jti)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return row !== undefined
    },
  }
}
