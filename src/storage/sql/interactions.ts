import type { Kysely } from 'kysely'
import type { InteractionStore } from '../types.js'
import { interactionToRow, rowToInteraction } from './rows.js'
import type { Database } from './schema.js'

export function sqlInteractionStore(db: Kysely<Database>): InteractionStore {
  return {
    // An upsert: the server saves the interaction again once the user has logged in.
    async save(interaction) {
      const row = interactionToRow(interaction)
      const { id: _id, ...changes } = row
      await db
        .insertInto('interactions')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet(changes))
        .execute()
    },

    async get(id, now) {
      const row = await db
        .selectFrom('interactions')
        .selectAll()
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return row && rowToInteraction(row)
    },

    // DELETE ... RETURNING is the single-use step: of concurrent form submissions only the one whose
    // DELETE removed the row gets it back.
    async consume(id, now) {
      const row = await db
        .deleteFrom('interactions')
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst()
      return row && rowToInteraction(row)
    },
  }
}
