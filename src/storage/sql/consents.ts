import type { Kysely } from 'kysely'
import type { ConsentStore } from '../types.js'
import { json, parseList, rowToConsent } from './rows.js'
import type { Database } from './schema.js'

export function sqlConsentStore(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): ConsentStore {
  return {
    async get(userId, clientId) {
      const row = await db
        .selectFrom('consents')
        .selectAll()
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .executeTakeFirst()
      return row && rowToConsent(row)
    },

    // The union must not lose scopes granted concurrently: the INSERT comes first (in SQLite it takes the
    // write lock), and on PostgreSQL the existing row is read `FOR UPDATE` (SQLite has no such clause).
    grant(userId, clientId, scopes, now) {
      return db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('consents')
          .values({ user_id: userId, client_id: clientId, scopes: json([...new Set(scopes)]), created_at: now, updated_at: now })
          .onConflict((oc) => oc.columns(['user_id', 'client_id']).doNothing())
          .returning('user_id')
          .executeTakeFirst()
        if (inserted) return

        let query = trx.selectFrom('consents').select('scopes').where('user_id', '=', userId).where('client_id', '=', clientId)
        if (dialect === 'postgres') query = query.forUpdate()
        const existing = await query.executeTakeFirstOrThrow()
        const union = [...new Set([...parseList(existing.scopes), ...scopes])]
        await trx
          .updateTable('consents')
          .set({ scopes: json(union), updated_at: now })
          .where('user_id', '=', userId)
          .where('client_id', '=', clientId)
          .execute()
      })
    },

    async revoke(userId, clientId) {
      const { numDeletedRows } = await db
        .deleteFrom('consents')
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .executeTakeFirst()
      return numDeletedRows > 0n
    },

    async listByUser(userId) {
      const rows = await db.selectFrom('consents').selectAll().where('user_id', '=', userId).orderBy('client_id').execute()
      return rows.map(rowToConsent)
    },
  }
}
