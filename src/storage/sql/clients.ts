import type { Kysely, Selectable } from 'kysely'
import type { ClientStore } from '../types.js'
import { insertUnique } from './errors.js'
import { deleteRecords } from './records.js'
import { clientToRow, rowToClient } from './rows.js'
import type { ChangeVersion } from './change-version.js'
import { readCache } from './read-cache.js'
import type { ClientsTable, Database } from './schema.js'

export function sqlClientStore(db: Kysely<Database>, changeVersion?: ChangeVersion): ClientStore {
  // Every token request looks its client up (issue 20).
  const cached = readCache<Selectable<ClientsTable> | undefined>(changeVersion, 'clients')
  return {
    async create(client) {
      await insertUnique(
        () => db.insertInto('clients').values(clientToRow(client)).execute(),
        `client_id ${client.client_id} already exists`,
      )
    },

    async get(clientId) {
      const row = await cached(clientId, () => db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst())
      return row && rowToClient(row)
    },

    async list(query = {}) {
      let select = db.selectFrom('clients').selectAll()
      // `clients_expires_at_idx` (migration 0006) answers this without reading every client.
      if (query.expiredAt !== undefined) select = select.where('expires_at', 'is not', null).where('expires_at', '<=', query.expiredAt).orderBy('expires_at')
      select = select.orderBy('created_at').orderBy('client_id')
      if (query.limit !== undefined) select = select.limit(query.limit)
      return (await select.execute()).map(rowToClient)
    },

    async update(client) {
      const { client_id: clientId, created_at: _createdAt, ...changes } = clientToRow(client)
      const { numUpdatedRows } = await db.updateTable('clients').set(changes).where('client_id', '=', clientId).executeTakeFirst()
      return numUpdatedRows > 0n
    },

    // One transaction, so no token, consent or short-lived record outlives its client (the foreign keys
    // in `migrations.ts` stop tokens saved concurrently for the deleted client).
    delete(clientId) {
      return db.transaction().execute(async (trx) => {
        await deleteRecords(trx, 'client_id', clientId)
        await trx.deleteFrom('refresh_tokens').where('client_id', '=', clientId).execute()
        await trx.deleteFrom('access_tokens').where('client_id', '=', clientId).execute()
        await trx.deleteFrom('consents').where('client_id', '=', clientId).execute()
        const { numDeletedRows } = await trx.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst()
        return numDeletedRows > 0n
      })
    },
  }
}
