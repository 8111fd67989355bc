import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Kysely, PostgresDialect, SqliteDialect, type ColumnType, type Selectable } from 'kysely'
import { importOptional, OPTIONAL_MODULES } from '../../crypto/optional-module.js'
import { translateErrors } from '../../storage/postgres-errors.js'
import { insertUnique } from '../../storage/sql/errors.js'
import type { NoteRecord, NoteStore } from './types.js'

/** The `notes` table, created by the storage migration `0002_notes` (kept there for existing databases). */
export interface NotesDatabase {
  notes: {
    id: string
    owner: string
    title: string
    body: string
    created_at: ColumnType<number | string, number, number>
    updated_at: ColumnType<number | string, number, number>
  }
}

function rowToNote(r: Selectable<NotesDatabase['notes']>): NoteRecord {
  return { id: r.id, owner: r.owner, title: r.title, body: r.body, created_at: Number(r.created_at), updated_at: Number(r.updated_at) }
}

/**
 * Notes in the `notes` table of the authorization server's SQL database. The server's store creates the
 * table (its migrations run when it opens), so open this one after it; `close()` destroys `db`.
 *
 * @example const notes = sqlNoteStore(new Kysely<NotesDatabase>({ dialect }))
 */
export function sqlNoteStore(db: Kysely<NotesDatabase>): NoteStore {
  return {
    async create(note) {
      await insertUnique(() => db.insertInto('notes').values(note).execute(), `note ${note.id} exists`)
    },

    async list(owner) {
      const rows = await db.selectFrom('notes').selectAll().where('owner', '=', owner).orderBy('created_at', 'desc').orderBy('id', 'desc').execute()
      return rows.map(rowToNote)
    },

    async get(owner, id) {
      const row = await db.selectFrom('notes').selectAll().where('id', '=', id).where('owner', '=', owner).executeTakeFirst()
      return row && rowToNote(row)
    },

    async update(owner, id, changes, now) {
      const row = await db
        .updateTable('notes')
        .set({ ...(changes.title !== undefined ? { title: changes.title } : {}), ...(changes.body !== undefined ? { body: changes.body } : {}), updated_at: now })
        .where('id', '=', id)
        .where('owner', '=', owner)
        .returningAll()
        .executeTakeFirst()
      return row && rowToNote(row)
    },

    async delete(owner, id) {
      const { numDeletedRows } = await db.deleteFrom('notes').where('id', '=', id).where('owner', '=', owner).executeTakeFirst()
      return numDeletedRows > 0n
    },

    // Owners are few (one per user who wrote a note): asking the server's store about each keeps this
    // module free of the server's tables.
    async deleteOrphans(isKnown) {
      const owners = await db.selectFrom('notes').select('owner').distinct().execute()
      let count = 0
      for (const { owner } of owners) {
        if (await isKnown(owner)) continue
        const { numDeletedRows } = await db.deleteFrom('notes').where('owner', '=', owner).executeTakeFirst()
        count += Number(numDeletedRows)
      }
      return count
    },

    close: () => db.destroy(),
  }
}

/**
 * Notes in the SQLite database file of `openSqliteStore({ filename })`, through a connection of their
 * own (WAL mode lets both connections work side by side).
 *
 * @example const notes = openSqliteNoteStore({ filename: './data/tessera.db' })
 */
export function openSqliteNoteStore(options: { filename: string }): NoteStore {
  if (options.filename !== ':memory:' && options.filename !== '') mkdirSync(dirname(options.filename), { recursive: true })
  // The driver is loaded on the first query, as the server's store does (an optional peer).
  const database = async () => {
    const BetterSqlite3 = await importOptional('the SQLite store', OPTIONAL_MODULES.betterSqlite3)
    const sqlite = new BetterSqlite3(options.filename)
    sqlite.pragma('busy_timeout = 5000')
    return sqlite
  }
  return sqlNoteStore(new Kysely<NotesDatabase>({ dialect: new SqliteDialect({ database }) }))
}

/**
 * Notes in the PostgreSQL database of `openPostgresStore({ connectionString })`, through a small pool of
 * their own; an unreachable server rejects with `StorageUnavailableError` as the server's store does.
 *
 * @example const notes = openPostgresNoteStore({ connectionString: process.env.DATABASE_URL! })
 */
export function openPostgresNoteStore(options: { connectionString: string }): NoteStore {
  const pool = async () => {
    const pg = await importOptional('the PostgreSQL store', OPTIONAL_MODULES.pg)
    const pool = new pg.Pool({ max: 2, connectionTimeoutMillis: 5000, connectionString: options.connectionString })
    // Without a listener a broken idle connection would crash the process; the pool replaces it.
    pool.on('error', () => undefined)
    return pool
  }
  return translateErrors(sqlNoteStore(new Kysely<NotesDatabase>({ dialect: new PostgresDialect({ pool }) })))
}
