import { sql, type Kysely, type Selectable } from 'kysely'
import type { RecordStore } from '../types.js'
import type { ChangeVersion } from './change-version.js'
import { insertUnique } from './errors.js'
import { readCache } from './read-cache.js'
import { rowToKeyedRecord } from './rows.js'
import type { Database, RecordsTable } from './schema.js'

/**
 * Writes (inserts and updates) of `records` through one SQLite connection, per kind, made by this store or
 * by a transaction of it: what a cached list of one kind is checked against, so the code an exchange
 * consumes does not cost the next token request its stored APIs (issue 20). Deletes need no entry: the
 * change version counts them for every table.
 */
export type RecordWrites = Map<string, number>

/** Counts a write of `kind`; called once the statement has run, so a read racing it can only miss next time. */
export function noteRecordWrite(writes: RecordWrites | undefined, kind: string): void {
  writes?.set(kind, (writes.get(kind) ?? 0) + 1)
}

/** The keyed-record facility in the one `records` table (migration 0005). */
export function sqlRecordStore(db: Kysely<Database>, changeVersion?: ChangeVersion, writes?: RecordWrites): RecordStore {
  // Lists by subject include the stored APIs, read by every token request (issue 20). The version of a
  // kind is the connection's for every table (another connection's commit, any delete) and this kind's own
  // writes; `records` as a table is never asked, since a write of any kind counts for it.
  const byKind: ChangeVersion | undefined = changeVersion && writes && ((kind) => {
    const base = changeVersion(`records\u0000${kind}`)
    return base === undefined ? undefined : `${base}.${writes.get(kind) ?? 0}`
  })
  const caches = new Map<string, ReturnType<typeof readCache<Selectable<RecordsTable>[]>>>()
  const cacheOf = (kind: string) => {
    let cache = caches.get(kind)
    if (!cache) caches.set(kind, (cache = readCache<Selectable<RecordsTable>[]>(byKind, kind)))
    return cache
  }
  const written = async <T>(kind: string, write: () => Promise<T>): Promise<T> => {
    try {
      return await write()
    } finally {
      noteRecordWrite(writes, kind)
    }
  }
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
        await written(kind.name, () => insertUnique(() => db.insertInto('records').values(row).execute(), `${kind.name} exists`))
        return
      }
      const { kind: _kind, key: _key, revision: _revision, ...changes } = row
      await written(kind.name, () => db
        .insertInto('records')
        .values(row)
        .onConflict((oc) => oc.columns(['kind', 'key']).doUpdateSet({ ...changes, revision: sql<number>`records.revision + 1` }))
        .execute())
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
      const won = await written(kind.name, () => db
        .updateTable('records')
        .set({ consumed_at: now })
        .where('kind', '=', kind.name)
        .where('key', '=', key)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst())
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
      const { numUpdatedRows } = await written(kind.name, () => db
        .updateTable('records')
        .set({ value: JSON.stringify(value), revision: revision + 1 })
        .where('kind', '=', kind.name)
        .where('key', '=', key)
        .where('revision', '=', revision)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst())
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
      const rows = await cacheOf(kind.name)(subject, () => db.selectFrom('records').selectAll().where('kind', '=', kind.name).where('subject', '=', subject).execute())
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
