import type { Kysely } from 'kysely'
import type { SigningKeyStore } from '../types.js'
import { insertUnique } from './errors.js'
import { rowToSigningKey, signingKeyToRow } from './rows.js'
import type { Database } from './schema.js'

const VERSION = 'keys_version'

/** Bumped in the same transaction as every key change, so a reader never sees new keys with an old version. */
async function bumpVersion(trx: Kysely<Database>): Promise<void> {
  await trx
    .insertInto('meta')
    .values({ name: VERSION, value: 1 })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('meta.value', '+', 1) })))
    .execute()
}

export function sqlSigningKeyStore(db: Kysely<Database>): SigningKeyStore {
  return {
    // Newest first; `kid` breaks ties between keys created in the same second, identically in every store.
    async list(now) {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('created_at', 'desc')
        .orderBy('kid')
        .execute()
      return rows.map(rowToSigningKey)
    },

    add(key) {
      return insertUnique(
        () =>
          db.transaction().execute(async (trx) => {
            await trx.insertInto('signing_keys').values(signingKeyToRow(key)).execute()
            await bumpVersion(trx)
          }),
        `kid ${key.kid} already exists`,
      )
    },

    // Keys retired earlier keep their own retirement time and expiry: retiring again must not keep an old
    // key in JWKS longer than planned.
    retireAllExcept(keep, now, expiresAt) {
      const kept = typeof keep === 'string' ? [keep] : [...keep]
      return db.transaction().execute(async (trx) => {
        let update = trx.updateTable('signing_keys').set({ retired_at: now, expires_at: expiresAt }).where('retired_at', 'is', null)
        // `NOT IN ()` is not valid SQL; keeping nothing retires every key.
        if (kept.length > 0) update = update.where('kid', 'not in', kept)
        await update.execute()
        await bumpVersion(trx)
      })
    },

    async version() {
      const row = await db.selectFrom('meta').select('value').where('name', '=', VERSION).executeTakeFirst()
      return String(row ? Number(row.value) : 0)
    },
  }
}
