import { sql, type Kysely, type Selectable } from 'kysely'
import type { RecordStore } from '../types.js'
import type { ChangeVersion } from './change-version.js'
import { insertUnique } from './errors.js'
import { readCache } from './read-cache.js'
import { rowToKeyedRecord } from './rows.js'
import type { Database, RecordsTable } from './schema.js'

/** The keyed-record facility in the one `records` table (migration 0005). */
export function sqlRecordStore(db: Kysely<Database>, changeVersion?: ChangeVersion): RecordStore {
  // Lists by subject include the stored APIs, read by every token request (issue 20).
  const cached = readCache<Selectable<RecordsTable>[]>(changeVersion, 'records')
  return {
    async put(kind, record, options) {
      const row = {
        kind: kind.name,
        key: record.key,
        value: JSON.stringify(record.value),
        subject: record.subject ?? null,
        client_id: record.clientId ?? null,
        expires_at: record.expiresAt,
        consumed_at: null,
        revision: 0,
      }
      if (!options?.replace) {
        await insertUnique(() => db.insertInto('records').values(row).execute(), `${kind.name} exists`)
        return
      }
      const { kind: _kind, key: _key, revision: _revision, ...changes } = row
      await db
        .insertInto('records')
        .values(row)
        .onConflict((oc) => oc.columns(['kind', 'key']).doUpdateSet({ ...changes, revision: sql<number>`records.revision + 1` }))
        .execute()
    },

    async get(kind, key, now) {
      const row = await db
        .selectFrom('records')
        .selectAll()
        .where('kind', '=', kind.name)
        .where('key', '=', key)
        .where('expires_at', '>', now)
        .where('consumed_at', 'is', null)
        .executeTakeFirst()
      return row && rowToKeyedRecord(row)
    },

    // The conditional UPDATE is the check-and-set in one statement: SQLite runs it under the write lock,
    // PostgreSQL re-checks `consumed_at IS NULL` after waiting for a concurrent updater, so exactly one
    // caller gets the row back.
    async consume(kind, key, now) {
      const won = await db
        .updateTable('records')
        .set({ consumed_at: now })
        .where('kind', '=', kind.name)
        .where('key', '=', key)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst()
      if (won) return { status: 'consumed', record: rowToKeyedRecord(won) }

      // Lost or never had it: a consumed, unexpired row is a replay (RFC 6749 §4.1.2 revokes the grant).
      const seen = await db
        .selectFrom('records')
        .selectAll()
        .where('kind', '=', kind.name)
        .where('key', '=', key)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return seen && seen.consumed_at !== null ? { status: 'replayed', record: rowToKeyedRecord(seen) } : { status: 'unknown' }
    },

    async update(kind, key, revision, value, now) {
      const { numUpdatedRows } = await db
        .updateTable('records')
        .set({ value: JSON.stringify(value), revision: revision + 1 })
        .where('kind', '=', kind.name)
        .where('key', '=', key)
        .where('revision', '=', revision)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return numUpdatedRows > 0n
    },

    async delete(kind, key) {
      await db.deleteFrom('records').where('kind', '=', kind.name).where('key', '=', key).execute()
    },

    async deleteBySubject(subject, kind) {
      await deleteRecords(db, 'subject', subject, kind?.name)
    },

    async deleteByClient(clientId, kind) {
      await deleteRecords(db, 'client_id', clientId, kind?.name)
    },

    async listBySubject(kind, subject) {
      const rows = await cached(`${kind.name}\u0000${subject}`, () => db.selectFrom('records').selectAll().where('kind', '=', kind.name).where('subject', '=', subject).execute())
      return rows.map((row) => rowToKeyedRecord(row))
    },
  }
}

/** Deletes the records of one owner (of one kind, or of all); also inside a user's or client's deletion. */
export async function deleteRecords(db: Kysely<Database>, owner: 'subject' | 'client_id', id: string, kind?: string): Promise<void> {
  let query = db.deleteFrom('records').where(owner, '=', id)
  if (kind !== undefined) query = query.where('kind', '=', kind)
  await query.execute()
}
