import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryNoteStore } from '../../src/standalone/notes/memory.js'
import { openSqliteNoteStore } from '../../src/standalone/notes/sql.js'
import type { NoteRecord, NoteStore } from '../../src/standalone/notes/types.js'
import { deleteOrphanNotes } from '../../src/standalone/server.js'
import { createMemoryStore } from '../../src/storage/memory.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import type { Store } from '../../src/storage/types.js'
import { NOW, USER_ID, seed } from '../storage/fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-notes-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

function note(overrides: Partial<NoteRecord> = {}): NoteRecord {
  return { id: 'note-1', owner: USER_ID, title: 'Groceries', body: 'milk', created_at: NOW, updated_at: NOW, ...overrides }
}

/** The demo notes, against a memory store and against the server's SQLite database (the `notes` table of its migrations). */
function noteContract(name: string, open: () => Promise<{ store: Store; notes: NoteStore }>): void {
  describe(name, () => {
    let store: Store
    let notes: NoteStore
    beforeEach(async () => {
      ({ store, notes } = await open())
      await seed(store)
    })
    afterEach(async () => {
      await notes.close()
      await store.close()
    })

    it('lists the owner’s notes newest first, never another owner’s', async () => {
      await notes.create(note())
      await notes.create(note({ id: 'note-2', created_at: NOW + 5 }))
      await notes.create(note({ id: 'note-3', owner: 'someone-else' }))
      expect((await notes.list(USER_ID)).map((n) => n.id)).toEqual(['note-2', 'note-1'])
      expect(await notes.get('someone-else', 'note-1')).toBeUndefined()
      await expect(notes.create(note())).rejects.toThrow()
    })

    it('updates and deletes only for the owner', async () => {
      await notes.create(note())
      expect(await notes.update('someone-else', 'note-1', { title: 'x' }, NOW + 1)).toBeUndefined()
      expect(await notes.update(USER_ID, 'note-1', { body: 'eggs' }, NOW + 2)).toEqual(note({ body: 'eggs', updated_at: NOW + 2 }))
      expect(await notes.delete('someone-else', 'note-1')).toBe(false)
      expect(await notes.delete(USER_ID, 'note-1')).toBe(true)
      expect(await notes.get(USER_ID, 'note-1')).toBeUndefined()
    })

    // User ids are never reused, so a deleted user's notes are unreachable; the standalone server's
    // periodic purge frees them (it used to be part of `UserStore.delete`).
    it('goes with its user', async () => {
      await notes.create(note())
      await notes.create(note({ id: 'note-m2m', owner: 'client-a' }))
      await store.users.delete(USER_ID)
      expect(await deleteOrphanNotes(notes, store)).toBe(1)
      expect(await notes.list(USER_ID)).toEqual([])
      // A client (client credentials) owns notes too, and still exists.
      expect(await notes.list('client-a')).toHaveLength(1)
    })
  })
}

noteContract('memory notes', async () => ({ store: createMemoryStore(), notes: createMemoryNoteStore() }))
noteContract('sqlite notes, in the store’s database file', async () => {
  const filename = join(dir, `store-${++files}.db`)
  const store = await openSqliteStore({ filename })
  return { store, notes: openSqliteNoteStore({ filename }) }
})
