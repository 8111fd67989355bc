import type { ExpressionBuilder, Kysely, Selectable } from 'kysely'
import { keptSuccessorValue, REFRESH_SUCCESSOR, type KeptSuccessorValue } from '../refresh-successors.js'
import type { KeptRefreshSuccessor, RefreshTokenStore } from '../types.js'
import { insertUnique } from './errors.js'
import { noteRecordWrite, type RecordWrites } from './records.js'
import { refreshTokenToRow, rowToRefreshToken } from './rows.js'
import type { Database, RefreshTokensTable } from './schema.js'

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

/** `writes`: the record store's count of writes per kind, which the kept successors (a record kind) add to. */
export function sqlRefreshTokenStore(db: Kysely<Database>, writes?: RecordWrites): RefreshTokenStore {
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
    // concurrent caller; the new token (and the kept successor of a rotation grace) is inserted in the same
    // transaction, so a failed insert leaves the old token usable and a successor never exists without its
    // kept copy. Losers fall through to the SELECT and see `reused`: PostgreSQL's UPDATE waited for the
    // winner's commit, and the SELECTs that follow see what it committed.
    rotate(previousHash, next, now, keep) {
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
          if (keep) {
            try {
              await keepSuccessor(trx, previous, next.token_hash, keep)
            } finally {
              noteRecordWrite(writes, REFRESH_SUCCESSOR.name)
            }
          }
          return { status: 'rotated', previous: rowToRefreshToken(previous) }
        }

        const current = await trx
          .selectFrom('refresh_tokens')
          .selectAll()
          .where('token_hash', '=', previousHash)
          .where('expires_at', '>', now)
          .where(grantNotRevoked(now))
          .executeTakeFirst()
        if (!current || current.consumed_at === null) return { status: 'unknown' }
        const successor = await keptSuccessor(trx, previousHash, now)
        return successor === undefined
          ? { status: 'reused', previous: rowToRefreshToken(current) }
          : { status: 'reused', previous: rowToRefreshToken(current), successor }
      })
    },
  }
}

/**
 * Keeps the sealed successor as a short-lived record of the stores' own kind (no table or migration of its
 * own): purged at `until` like every record, deleted with the user or client it names.
 */
async function keepSuccessor(trx: Kysely<Database>, previous: Selectable<RefreshTokensTable>, nextHash: string, keep: KeptRefreshSuccessor): Promise<void> {
  const value: KeptSuccessorValue = { next: nextHash, sealed: keep.sealed }
  const row = { value: JSON.stringify(value), subject: previous.user_id, client_id: previous.client_id, expires_at: keep.until, consumed_at: null, revision: 0 }
  // A token is rotated once, so the key is new; an upsert all the same, so a leftover row never fails a rotation.
  await trx
    .insertInto('records')
    .values({ kind: REFRESH_SUCCESSOR.name, key: previous.token_hash, ...row })
    .onConflict((oc) => oc.columns(['kind', 'key']).doUpdateSet(row))
    .execute()
}

/** The sealed successor kept for `previousHash`, while kept and while the successor is live and unrotated. */
async function keptSuccessor(trx: Kysely<Database>, previousHash: string, now: number): Promise<string | undefined> {
  const kept = await trx
    .selectFrom('records')
    .select('value')
    .where('kind', '=', REFRESH_SUCCESSOR.name)
    .where('key', '=', previousHash)
    .where('expires_at', '>', now)
    .executeTakeFirst()
  const value = kept && keptSuccessorValue(JSON.parse(kept.value))
  if (!value) return undefined
  const next = await trx
    .selectFrom('refresh_tokens')
    .select('token_hash')
    .where('token_hash', '=', value.next)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .where(grantNotRevoked(now))
    .executeTakeFirst()
  return next ? value.sealed : undefined
}
