import { StorageConflictError, type KeyedRecord, type RecordKind, type RecordStore } from '../types.js'
import { copy, type MemoryRecord, type MemoryState } from './state.js'

/**
 * The keyed-record facility in a Map per kind. No method awaits between reading and writing, so every
 * check-and-set (consume, update) completes before another caller runs.
 */
export function memoryRecordStore(state: MemoryState): RecordStore {
  function table(kind: RecordKind<unknown>): Map<string, MemoryRecord> {
    let records = state.records.get(kind.name)
    if (!records) state.records.set(kind.name, (records = new Map()))
    return records
  }

  const live = (record: MemoryRecord | undefined, now: number): record is MemoryRecord =>
    record !== undefined && record.expiresAt > now && record.consumedAt === null

  const output = <T>(key: string, record: MemoryRecord): KeyedRecord<T> => ({
    key,
    value: copy(record.value) as T,
    expiresAt: record.expiresAt,
    subject: record.subject,
    clientId: record.clientId,
    consumedAt: record.consumedAt,
    revision: record.revision,
  })

  return {
    async put(kind, record, options) {
      const records = table(kind)
      const existing = records.get(record.key)
      if (existing && !options?.replace) throw new StorageConflictError(`${kind.name} exists`)
      records.set(record.key, {
        value: copy(record.value),
        expiresAt: record.expiresAt,
        subject: record.subject ?? null,
        clientId: record.clientId ?? null,
        consumedAt: null,
        revision: existing ? existing.revision + 1 : 0,
      })
    },

    async get(kind, key, now) {
      const record = state.records.get(kind.name)?.get(key)
      return live(record, now) ? output(key, record) : undefined
    },

    async consume(kind, key, now) {
      const record = state.records.get(kind.name)?.get(key)
      if (!record || record.expiresAt <= now) return { status: 'unknown' }
      if (record.consumedAt !== null) return { status: 'replayed', record: output(key, record) }
      record.consumedAt = now
      return { status: 'consumed', record: output(key, record) }
    },

    async update(kind, key, revision, value, now) {
      const record = state.records.get(kind.name)?.get(key)
      if (!live(record, now) || record.revision !== revision) return false
      record.value = copy(value)
      record.revision++
      return true
    },

    async delete(kind, key) {
      state.records.get(kind.name)?.delete(key)
    },

    async deleteBySubject(subject, kind) {
      deleteRecordsWhere(state, kind, (record) => record.subject === subject)
    },

    async deleteByClient(clientId, kind) {
      deleteRecordsWhere(state, kind, (record) => record.clientId === clientId)
    },

    async listBySubject(kind, subject) {
      const records = [...(state.records.get(kind.name) ?? [])]
      return records.flatMap(([key, record]) => (record.subject === subject ? [output(key, record)] : []))
    },
  }
}

/** Deletes matching records of one kind, or of every kind without `kind`. */
export function deleteRecordsWhere(state: MemoryState, kind: RecordKind<unknown> | undefined, matches: (record: MemoryRecord) => boolean): void {
  const tables = kind ? [state.records.get(kind.name)] : [...state.records.values()]
  for (const records of tables) {
    if (!records) continue
    for (const [key, record] of records) if (matches(record)) records.delete(key)
  }
}
