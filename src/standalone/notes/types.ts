/** A note of the demo API (`/api/notes`): owned by the token's `sub`. */
export interface NoteRecord {
  id: string
  owner: string
  title: string
  body: string
  created_at: number
  updated_at: number
}

/**
 * The demo API's storage, kept apart from the authorization server's `Store`: the notes are the demo's
 * data, not the server's. Every call is scoped by `owner`: one subject can never read or change another's note.
 */
export interface NoteStore {
  create(note: NoteRecord): Promise<void>
  /** The owner's notes, newest first. */
  list(owner: string): Promise<NoteRecord[]>
  get(owner: string, id: string): Promise<NoteRecord | undefined>
  /** Changes title and/or body of the owner's note; undefined when the owner has no such note. */
  update(owner: string, id: string, changes: { title?: string; body?: string }, now: number): Promise<NoteRecord | undefined>
  delete(owner: string, id: string): Promise<boolean>
  /**
   * Deletes the notes of owners `isKnown` denies (deleted users and clients). They are unreachable
   * already, since a user id is never reused (`UserRecord.id`); this only frees the space. Returns the count.
   */
  deleteOrphans(isKnown: (owner: string) => Promise<boolean>): Promise<number>
  close(): Promise<void>
}
