import type { SqliteDatabase } from 'kysely'

/**
 * What the SQL store may cache a read of `table` against: a value that changes whenever that table's rows
 * might have (here: a commit by another connection, or a write to the table through this one).
 * `undefined` means "do not cache" (the connection is not open yet). The PostgreSQL store has none: several
 * servers share its database and nothing cheap tells one of another's commit. A name no insert or update
 * names (the records store asks per record kind, and counts each kind's writes itself) changes only with
 * another connection's commit or a write that may touch every table (a delete, DDL).
 */
export type ChangeVersion = (table: string) => string | undefined

/** What `trackChanges` needs of the connection (a better-sqlite3 `Database`). */
export interface DataVersionConnection {
  prepare(sql: string): { pluck(): { get(): unknown } }
}

/** Statements that change no row: reads and transaction control. */
const CHANGES_NOTHING = /^\s*(?:select|begin|commit|rollback|savepoint|release)\b/i
/** An insert or update as Kysely compiles it, naming the one table it writes. */
const WRITES_ONE_TABLE = /^\s*(?:insert\s+(?:or\s+\w+\s+)?into|update)\s+"([^"]+)"/i
/** The audit trail's inserts: no cached read depends on them, and they come with every request. */
const UNCOUNTED = new Set(['audit_events'])

/**
 * The SQLite connection's change version, and the database wrapped so that it sees this connection's
 * writes. SQLite's `data_version` (https://sqlite.org/pragma.html#pragma_data_version) changes when another
 * connection commits — the CLI next to a running server, the demo's notes — but not on this connection's own
 * commits, so the wrapper counts those: inserts and updates per table they name, since the code grant's
 * writes to codes and refresh tokens must not cost it the client lookup (issue 20); anything else that may
 * write (a delete, which the purge runs on every table, DDL) for every table at once. A rolled-back write
 * still counts: the cache only ever misses more. No trigger or cascading foreign key writes a table the SQL
 * does not name (the migrations create none).
 *
 * Reading `data_version` costs a few microseconds against tens for the client lookup and the stored-API
 * list it saves on every token request.
 *
 * @example const { database, version } = trackChanges(withStatementCache(sqlite), sqlite)
 */
export function trackChanges(database: SqliteDatabase, connection: DataVersionConnection): { database: SqliteDatabase; version: ChangeVersion } {
  const dataVersion = connection.prepare('PRAGMA data_version').pluck()
  let everyTable = 0
  const perTable = new Map<string, number>()
  return {
    database: {
      close: () => database.close(),
      prepare(sql) {
        if (!CHANGES_NOTHING.test(sql)) {
          const table = WRITES_ONE_TABLE.exec(sql)?.[1]
          if (table === undefined) everyTable++
          else if (!UNCOUNTED.has(table)) perTable.set(table, (perTable.get(table) ?? 0) + 1)
        }
        return database.prepare(sql)
      },
    },
    version: (table) => `${String(dataVersion.get())}.${everyTable}.${perTable.get(table) ?? 0}`,
  }
}
