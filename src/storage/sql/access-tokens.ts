import type { Kysely } from 'kysely'
import type { AccessTokenStore } from '../types.js'
import { insertUnique } from './errors.js'
import { accessTokenToRow, rowToAccessToken } from './rows.js'
import type { Database } from './schema.js'

export function sqlAccessTokenStore(db: Kysely<Database>): AccessTokenStore {
  return {
    async save(token) {
      await insertUnique(() => db.insertInto('access_tokens').values(accessTokenToRow(token)).execute(), 'access token exists')
    },

    // A revoked grant takes its tokens with it (`revokeGrant` deletes them); the check here covers a
    // token saved by a request that raced the revocation.
    async find(tokenHash, now) {
      const row = await db
        .selectFrom('access_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', now)
        .where((eb) =>
          eb.or([
            eb('access_tokens.grant_id', 'is', null),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('revoked_grants')
                  .select('revoked_grants.grant_id')
                  .whereRef('revoked_grants.grant_id', '=', 'access_tokens.grant_id')
                  .where('revoked_grants.until', '>', now),
              ),
            ),
          ]),
        )
        .executeTakeFirst()
      return row && rowToAccessToken(row)
    },

    // RFC 7009 §2.2: an unknown token is not an error.
    async delete(tokenHash) {
      await db.deleteFrom('access_tokens').where('token_hash', '=', tokenHash).execute()
    },
  }
}
