import type { Kysely } from 'kysely'
import type { AuthorizationCodeStore } from '../types.js'
import { insertUnique } from './errors.js'
import { codeToRow, rowToCode } from './rows.js'
import type { Database } from './schema.js'

export function sqlCodeStore(db: Kysely<Database>): AuthorizationCodeStore {
  return {
    async save(code) {
      await insertUnique(() => db.insertInto('authorization_codes').values(codeToRow(code)).execute(), 'code exists')
    },

    // RFC 6749 §4.1.2 / §10.5: a code is used once. The conditional UPDATE is the check-and-set in one
    // statement: SQLite runs it under the write lock, PostgreSQL re-checks `consumed_at IS NULL` after
    // waiting for a concurrent updater, so exactly one caller gets the row back.
    async consume(codeHash, now) {
      const won = await db
        .updateTable('authorization_codes')
        .set({ consumed_at: now })
        .where('code_hash', '=', codeHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst()
      if (won) return { status: 'consumed', code: rowToCode(won) }

      // Lost or never had it: a consumed, unexpired row is a replay the caller answers by revoking the
      // grant (RFC 6749 §4.1.2: "SHOULD revoke ... all tokens previously issued based on that code").
      const seen = await db
        .selectFrom('authorization_codes')
        .selectAll()
        .where('code_hash', '=', codeHash)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      if (seen && seen.consumed_at !== null) return { status: 'replayed', code: rowToCode(seen) }
      return { status: 'unknown' }
    },
  }
}
