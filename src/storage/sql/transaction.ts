import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Runs `work` in a transaction, or in the caller's when `db` already is one: the methods that need their
 * own transaction (a rotation, a revocation, a deletion) then also work inside `Store.atomic`, whose
 * transaction they join (Kysely does not nest transactions).
 *
 * @example return inTransaction(db, async (trx) => { … })
 */
export function inTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work)
}
