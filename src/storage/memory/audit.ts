import { StorageConflictError, type AuditQuery, type AuditRecord, type AuditStore } from '../types.js'
import { compare, copy, type MemoryState } from './state.js'

/** Keeps the newest `maxRecords` (see `MemoryStoreOptions.maxAuditRecords` for why there is a cap). */
export function memoryAuditStore({ audit }: MemoryState, maxRecords: number): AuditStore {
  return {
    async append(...records) {
      const ids = new Set(records.map((record) => record.id))
      const duplicate = records.find((record) => audit.has(record.id))
      if (duplicate || ids.size < records.length) throw new StorageConflictError(`audit record ${duplicate?.id ?? ''} exists`)
      for (const record of records) audit.set(record.id, copy(record))
      // A Map iterates in insertion order: the first keys are the oldest records.
      for (const id of audit.keys()) {
        if (audit.size <= maxRecords) break
        audit.delete(id)
      }
    },
    async list(query) {
      return [...audit.values()]
        .filter((record) => matchesAuditQuery(record, query))
        .sort((a, b) => b.time - a.time || compare(b.id, a.id))
        .slice(0, query.limit)
        .map(copy)
    },
  }
}

function matchesAuditQuery(record: AuditRecord, query: AuditQuery): boolean {
  const types = typeof query.type === 'string' ? [query.type] : query.type
  return (query.since === undefined || record.time >= query.since)
    && (query.until === undefined || record.time < query.until)
    && (types === undefined || types.includes(record.type))
    && (query.subject === undefined || record.subject === query.subject)
    && (query.clientId === undefined || record.client_id === query.clientId)
}
