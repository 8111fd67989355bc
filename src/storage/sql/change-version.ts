import type { SqliteDatabase } from 'kysely'

/**
 * What the SQL store may cache a read against: a value that changes whenever the data might have (here:
 * a commit by another connection, or any write through this one). `undefined` means "do not cache" (the
 * connection is not open yet). The PostgreSQL store has none: several servers share its database and
 * nothing cheap tells one of another's commit.
 */
export type ChangeVersion = () => string | undefined

/** What `trackChanges` needs of the connection (a better-sqlite3 `Database`). */
export interface DataVersionConnection {
  prepare(sql: string): { pluck(): { get(): unknown } }
}

/**
 * The SQLite connection's change version, and the database wrapped so that it sees this connection's
 * writes. SQLite's `data_version` (https://sqlite.org/pragma.html#pragma_data_version) changes when another
 * connection commits — the CLI next to a running server, the demo's notes — but not on this connection's own
 * commits, so every statement that may write counts those: any SQL but a SELECT, except the audit trail's
 * inserts, which no cached read depends on and which come with every request. A rolled-back write still
 * counts: the cache only ever misses more.
 *
 * Reading `data_version` costs a few microseconds against tens for the client lookup and the stored-API
 * list it saves on every token request (issue 20).
 *
 * @example const { database, version } = trackChanges(withStatementCache(sqlite), sqlite)
 */
export function trackChanges(database: SqliteDatabase, connection: DataVersionConnection): { database: SqliteDatabase; version: () => string } {
  const dataVersion = connection.prepare('PRAGMA data_version').pluck()
  let writes = 0
  return {
    database: {
      close: () => database.close(),
      prepare(sql) {
        if (!/^\s*select\b/i.test(sql) && !sql.startsWith('insert into "audit_events"')) writes++
        return database.prepare(sql)
      },
    },
    version: () => `${String(dataVersion.get())}.${writes}`,
  }
}
