import { describe, expect, it } from 'vitest'
import type { NoteRecord } from '../../../src/storage/types.js'
import type { CurrentStore } from '../contract.js'
import { NOW, USER_ID } from '../fixtures.js'

function note(overrides: Partial<NoteRecord> = {}): NoteRecord {
  return { id: 'note-1', owner: USER_ID, title: 'Groceries', body: 'milk', created_at: NOW, updated_at: NOW, ...overrides }
}

export function noteContract(store: CurrentStore): void {
  describe('notes', () => {
    it('lists the owner’s notes newest first, never another owner’s', async () => {
      await store().notes.create(note())
      await store().notes.create(note({ id: 'note-2', created_at: NOW + 5 }))
      await store().notes.create(note({ id: 'note-3', owner: 'someone-else' }))
      expect((await store().notes.list(USER_ID)).map((n) => n.id)).toEqual(['note-2', 'note-1'])
      expect(await store().notes.get('someone-else', 'note-1')).toBeUndefined()
      await expect(store().notes.create(note())).rejects.toThrow()
    })

    it('updates and deletes only for the owner', async () => {
      await store().notes.create(note())
      expect(await store().notes.update('someone-else', 'note-1', { title: 'x' }, NOW + 1)).toBeUndefined()
      expect(await store().notes.update(USER_ID, 'note-1', { body: 'eggs' }, NOW + 2)).toEqual(note({ body: 'eggs', updated_at: NOW + 2 }))
      expect(await store().notes.delete('someone-else', 'note-1')).toBe(false)
      expect(await store().notes.delete(USER_ID, 'note-1')).toBe(true)
      expect(await store().notes.get(USER_ID, 'note-1')).toBeUndefined()
    })

    it('goes with its user', async () => {
      await store().notes.create(note())
      await store().users.delete(USER_ID)
      expect(await store().notes.list(USER_ID)).toEqual([])
    })
  })
}
