import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { MAX_CACHED_STATEMENTS, withStatementCache } from '../../../src/storage/sql/statement-cache.js'

describe('withStatementCache', () => {
  it('prepares each SQL text once and reuses the statement, with fresh parameters each run', () => {
    const sqlite = new BetterSqlite3(':memory:')
    let prepared = 0
    const counting = { close: () => sqlite.close(), prepare: (sql: string) => (prepared++, sqlite.prepare(sql)) }
    const db = withStatementCache(counting)
    db.prepare('create table t (v integer)').run([])
    const insert = db.prepare('insert into t (v) values (?)')
    insert.run([1])
    expect(db.prepare('insert into t (v) values (?)')).toBe(insert)
    db.prepare('insert into t (v) values (?)').run([2])
    expect(db.prepare('select v from t order by v').all([])).toEqual([{ v: 1 }, { v: 2 }])
    expect(prepared).toBe(3)
    db.close()
    expect(sqlite.open).toBe(false)
  })

  it('keeps at most MAX_CACHED_STATEMENTS, dropping the oldest', () => {
    const sqlite = new BetterSqlite3(':memory:')
    const texts: string[] = []
    const db = withStatementCache({ close: () => sqlite.close(), prepare: (sql: string) => (texts.push(sql), sqlite.prepare(sql)) })
    for (let n = 0; n <= MAX_CACHED_STATEMENTS; n++) db.prepare(`select ${n} as v`)
    db.prepare(`select ${MAX_CACHED_STATEMENTS} as v`)
    db.prepare('select 0 as v')
    // The newest is still cached; the first was dropped when the cache overflowed and is prepared again.
    expect(texts).toHaveLength(MAX_CACHED_STATEMENTS + 2)
    expect(texts.at(-1)).toBe('select 0 as v')
    db.close()
  })
})
