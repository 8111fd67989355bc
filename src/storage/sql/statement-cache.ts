import type { SqliteDatabase, SqliteStatement } from 'kysely'

/** Distinct SQL texts kept prepared; the store issues a few dozen, multi-row audit inserts one per batch size. */
export const MAX_CACHED_STATEMENTS = 256

/**
 * The SQLite database as Kysely sees it, with each SQL text prepared once. Kysely's SQLite driver
 * prepares every query anew, and under load that compilation was the largest single cost of a token
 * request on `tessera-oidc serve` (issue 20: `prepare` 11% of the profile). Reusing a statement is safe:
 * the driver has one connection behind a mutex, so no statement runs twice at once, and SQLite
 * re-prepares a statement by itself after a schema change (migrations).
 *
 * @example new SqliteDialect({ database: withStatementCache(new BetterSqlite3(file)) })
 */
export function withStatementCache(database: SqliteDatabase): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>()
  return {
    close: () => {
      statements.clear()
      database.close()
    },
    prepare(sql) {
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = database.prepare(sql)
        // Oldest first out: Map keeps insertion order.
        if (statements.size >= MAX_CACHED_STATEMENTS) statements.delete(statements.keys().next().value as string)
        statements.set(sql, statement)
      }
      return statement
    },
  }
}
