import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { SERVING_CHECKPOINT_PAGES, withBackgroundCheckpoints } from '../../../src/storage/sql/background-checkpoints.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function walDatabase(): { file: string; sqlite: BetterSqlite3.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-checkpoints-'))
  dirs.push(dir)
  const file = join(dir, 'store.db')
  const sqlite = new BetterSqlite3(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.exec('create table t (v text)')
  return { file, sqlite }
}

const fill = (sqlite: BetterSqlite3.Database): void => {
  const insert = sqlite.prepare('insert into t (v) values (?)')
  sqlite.transaction(() => {
    for (let n = 0; n < 2000; n++) insert.run('x'.repeat(500))
  })()
}

async function until(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 25))
}

describe('withBackgroundCheckpoints', () => {
  it('leaves the serving connection checkpointing only past SERVING_CHECKPOINT_PAGES, and a worker copies the WAL into the file', async () => {
    const { file, sqlite } = walDatabase()
    const database = withBackgroundCheckpoints({ prepare: (sql) => sqlite.prepare(sql), close: () => sqlite.close() }, sqlite, file, 20)
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(SERVING_CHECKPOINT_PAGES)
    const before = statSync(file).size
    fill(sqlite)
    // More than 1,000 pages were committed: SQLite's own threshold would have checkpointed inside that commit.
    await until(() => statSync(file).size > before + 500_000)
    expect(statSync(file).size).toBeGreaterThan(before + 500_000)
    database.close()
    expect(sqlite.open).toBe(false)
  })

  // The soak of issue 20: under steady writes a worker's checkpoint never ends with every frame copied, so SQLite
  // never started the log over. Here the worker never runs at all (a minute's interval): the bound holds alone.
  it('keeps the write-ahead log bounded however many commits the server makes', () => {
    const { file, sqlite } = walDatabase()
    const database = withBackgroundCheckpoints({ prepare: (sql) => sqlite.prepare(sql), close: () => sqlite.close() }, sqlite, file, 60_000)
    const insert = sqlite.prepare('insert into t (v) values (?)')
    // About a page per commit: two and a half times the bound in all.
    for (let n = 0; n < SERVING_CHECKPOINT_PAGES * 2.5; n++) insert.run('x'.repeat(3000))
    expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(SERVING_CHECKPOINT_PAGES * 4096 * 1.1)
    database.close()
  })

  it('lets the connection checkpoint itself again when the worker cannot run', async () => {
    const { sqlite } = walDatabase()
    // A folder where the worker's database should be: its connection fails to open, the worker exits.
    const database = withBackgroundCheckpoints({ prepare: (sql) => sqlite.prepare(sql), close: () => sqlite.close() }, sqlite, tmpdir(), 20)
    await until(() => sqlite.pragma('wal_autocheckpoint', { simple: true }) === 1000)
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1000)
    database.close()
  })
})
