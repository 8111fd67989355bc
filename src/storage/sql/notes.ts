import type { Kysely, Selectable } from 'kysely'
import type { NoteRecord, NoteStore } from '../types.js'
import { insertUnique } from './errors.js'
import type { Database, NotesTable } from './schema.js'

function rowToNote(r: Selectable<NotesTable>): NoteRecord {
  return { id: r.id, owner: r.owner, title: r.title, body: r.body, created_at: Number(r.created_at), updated_at: Number(r.updated_at) }
}

/** Every query is scoped by `owner`: one subject can never read or change another's note. */
export function sqlNoteStore(db: Kysely<Database>): NoteStore {
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
  }
}
