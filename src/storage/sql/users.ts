import type { Kysely, Selectable } from 'kysely'
import type { UserStore } from '../types.js'
import type { ChangeVersion } from './change-version.js'
import { readCache } from './read-cache.js'
import { insertUnique } from './errors.js'
import { deleteRecords } from './records.js'
import { rowToUser, userToRow } from './rows.js'
import type { Database, UsersTable } from './schema.js'

export function sqlUserStore(db: Kysely<Database>, changeVersion?: ChangeVersion): UserStore {
  // Every code exchange and refresh reads its user (issue 20).
  const cached = readCache<Selectable<UsersTable> | undefined>(changeVersion, 'users')
  return {
    async create(user) {
      // Both the id (primary key) and the username (unique) may collide.
      await insertUnique(
        () => db.insertInto('users').values(userToRow(user)).execute(),
        `user ${user.id} or username ${user.username} already exists`,
      )
    },

    async get(id) {
      const row = await cached(id, () => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst())
      return row && rowToUser(row)
    },

    async getByUsername(username) {
      const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst()
      return row && rowToUser(row)
    },

    async list() {
      const rows = await db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').execute()
      return rows.map(rowToUser)
    },

    async update(user) {
      const { id, username: _username, created_at: _createdAt, ...changes } = userToRow(user)
      const { numUpdatedRows } = await db.updateTable('users').set(changes).where('id', '=', id).executeTakeFirst()
      return numUpdatedRows > 0n
    },

    // One transaction: a deleted user keeps no session, code (no short-lived record), refresh or access
    // token or consent.
    delete(id) {
      return db.transaction().execute(async (trx) => {
        await deleteRecords(trx, 'subject', id)
        await trx.deleteFrom('refresh_tokens').where('user_id', '=', id).execute()
        await trx.deleteFrom('access_tokens').where('user_id', '=', id).execute()
        await trx.deleteFrom('consents').where('user_id', '=', id).execute()
        const { numDeletedRows } = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst()
        return numDeletedRows > 0n
      })
    },
  }
}
