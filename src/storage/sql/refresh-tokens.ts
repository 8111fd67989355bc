import type { ExpressionBuilder, Kysely } from 'kysely'
import type { RefreshTokenStore } from '../types.js'
import { insertUnique } from './errors.js'
import { refreshTokenToRow, rowToRefreshToken } from './rows.js'
import type { Database } from './schema.js'

/** `WHERE` condition: the token's grant is not revoked at `now`. */
function grantNotRevoked(now: number) {
  return (eb: ExpressionBuilder<Database, 'refresh_tokens'>) =>
    eb.not(
      eb.exists(
        eb
          .selectFrom('revoked_grants')
          .select('revoked_grants.grant_id')
          .whereRef('revoked_grants.grant_id', '=', 'refresh_tokens.grant_id')
          .where('revoked_grants.until', '>', now),
      ),
    )
}

export function sqlRefreshTokenStore(db: Kysely<Database>): RefreshTokenStore {
  return {
    async save(token) {
      await insertUnique(() => db.insertInto('refresh_tokens').values(refreshTokenToRow(token)).execute(), 'refresh token exists')
    },

    // Returns consumed (rotated) tokens too: presenting one is reuse, which the caller must see to revoke
    // the family (RFC 9700 §4.14.2). Undefined when unknown, expired (`expires_at <= now`) or when the
    // grant is revoked (`revoked_grants.until > now`).
    async find(tokenHash, now) {
      const row = await db
        .selectFrom('refresh_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', now)
        .where(grantNotRevoked(now))
        .executeTakeFirst()
      return row && rowToRefreshToken(row)
    },

    // RFC 9700 §4.14.2 rotation: the conditional UPDATE marks the old token consumed for exactly one
    // concurrent caller; the new token is inserted in the same transaction, so a failed insert leaves the
    // old token usable. Losers fall through to the SELECT and see `reused`.
    rotate(previousHash, next, now) {
      return db.transaction().execute(async (trx) => {
        const previous = await trx
          .updateTable('refresh_tokens')
          .set({ consumed_at: now })
          .where('token_hash', '=', previousHash)
          .where('consumed_at', 'is', null)
          .where('expires_at', '>', now)
          .where(grantNotRevoked(now))
          .returningAll()
          .executeTakeFirst()
        if (previous) {
          await insertUnique(() => trx.insertInto('refresh_tokens').values(refreshTokenToRow(next)).execute(), 'refresh token exists')
          return { status: 'rotated', previous: rowToRefreshToken(previous) }
        }

        const current = await trx
          .selectFrom('refresh_tokens')
          .selectAll()
          .where('token_hash', '=', previousHash)
          .where('expires_at', '>', now)
          .where(grantNotRevoked(now))
          .executeTakeFirst()
        if (current && current.consumed_at !== null) return { status: 'reused', previous: rowToRefreshToken(current) }
        return { status: 'unknown' }
      })
    },
  }
}
