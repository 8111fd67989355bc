import type { ChangeVersion } from './change-version.js'

/** Entries kept per cache; the oldest goes first (lookups of unknown ids cannot grow it without bound). */
export const MAX_CACHED_READS = 1000

/**
 * Rows of one kind of read from `table`, kept while the store's change version of that table stays what
 * it was when they were read.
 * The version is taken before the query: a write landing between the two only makes the entry miss next
 * time. Rows are cached, not records: each caller maps its own copy, so none can alter another's.
 * Without a change version (PostgreSQL, or SQLite before it opened) every read goes to the database.
 *
 * @example const cache = readCache(changeVersion, 'clients')
 * const client = await cache(clientId, () => db.selectFrom('clients')…executeTakeFirst())
 */
export function readCache<Row>(changeVersion: ChangeVersion | undefined, table: string): (key: string, read: () => Promise<Row>) => Promise<Row> {
  const entries = new Map<string, { version: string; rows: Row }>()
  return async (key, read) => {
    const version = changeVersion?.(table)
    if (version === undefined) return read()
    const cached = entries.get(key)
    if (cached?.version === version) return cached.rows
    const rows = await read()
    entries.delete(key)
    if (entries.size >= MAX_CACHED_READS) entries.delete(entries.keys().next().value as string)
    entries.set(key, { version, rows })
    return rows
  }
}
