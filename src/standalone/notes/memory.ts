import { StorageConflictError } from '../../storage/types.js'
import type { NoteRecord, NoteStore } from './types.js'

const copy = (note: NoteRecord): NoteRecord => ({ ...note })

/**
 * Notes in process memory: the demo API's default, lost on exit.
 *
 * @example const notes = createMemoryNoteStore()
 */
export function createMemoryNoteStore(): NoteStore {
  const notes = new Map<string, NoteRecord>()
  return {
    async create(note) {
      if (notes.has(note.id)) throw new StorageConflictError(`note ${note.id} exists`)
      notes.set(note.id, copy(note))
    },
    async list(owner) {
      return [...notes.values()]
        .filter((note) => note.owner === owner)
        .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1))
        .map(copy)
    },
    async get(owner, id) {
      const note = notes.get(id)
      return note && note.owner === owner ? copy(note) : undefined
    },
    async update(owner, id, changes, now) {
      const note = notes.get(id)
      if (!note || note.owner !== owner) return undefined
      if (changes.title !== undefined) note.title = changes.title
      if (changes.body !== undefined) note.body = changes.body
      note.updated_at = now
      return copy(note)
    },
    async delete(owner, id) {
      const note = notes.get(id)
      return note !== undefined && note.owner === owner && notes.delete(id)
    },
    async deleteOrphans(isKnown) {
      let count = 0
      for (const owner of new Set([...notes.values()].map((note) => note.owner))) {
        if (await isKnown(owner)) continue
        for (const [id, note] of notes) if (note.owner === owner && notes.delete(id)) count++
      }
      return count
    },
    async close() {},
  }
}
