import type { Kysely } from 'kysely'
import type { LoginSessionStore } from '../types.js'
import { insertUnique } from './errors.js'
import { rowToSession, sessionToRow } from './rows.js'
import type { Database } from './schema.js'

export function sqlSessionStore(db: Kysely<Database>): LoginSessionStore {
  return {
    async create(session) {
      await insertUnique(() => db.insertInto('login_sessions').values(sessionToRow(session)).execute(), 'session exists')
    },

    async get(idHash, now) {
      const row = await db
        .selectFrom('login_sessions')
        .selectAll()
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return row && rowToSession(row)
    },

    async delete(idHash) {
      await db.deleteFrom('login_sessions').where('id_hash', '=', idHash).execute()
    },

    async deleteByUser(userId) {
      await db.deleteFrom('login_sessions').where('user_id', '=', userId).execute()
    },
  }
}
