// How long the event loop stops for each audit batch commit on SQLite (issue 20): 3,000 commits of 40
// records each into the audit table's shape (its five indexes), with SQLite checkpointing inside the
// commit that crosses 1,000 WAL pages (its default, what `tessera-oidc serve` did) and with the checkpoints
// done by a worker thread (`withBackgroundCheckpoints`, what it does now). A commit is synchronous on the
// event loop, so its duration is how long every request in flight waits.
// Usage: node bench/reference/sqlite-commits.mjs [commits]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import BetterSqlite3 from 'better-sqlite3'
import { withBackgroundCheckpoints } from '../../dist/storage/sql/background-checkpoints.js'

const commits = Number(process.argv[2] ?? 3000)
const results = {}
for (const mode of ['checkpoint in the commit', 'checkpoint in a worker']) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-commits-'))
  const file = join(dir, 'audit.db')
  const db = new BetterSqlite3(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  const database = mode === 'checkpoint in a worker' ? withBackgroundCheckpoints({ prepare: (sql) => db.prepare(sql), close: () => db.close() }, db, file) : { close: () => db.close() }
  db.exec(`create table audit_events (id text primary key, type text not null, time bigint not null, subject text, client_id text, details text not null, expires_at bigint not null);
    create index i1 on audit_events (time, id); create index i2 on audit_events (subject, time); create index i3 on audit_events (client_id, time);
    create index i4 on audit_events (type, time); create index i5 on audit_events (expires_at)`)
  const insert = db.prepare('insert into audit_events values (?, ?, ?, ?, ?, ?, ?)')
  const batch = db.transaction((n) => {
    for (let i = 0; i < 40; i++) {
      insert.run(`${n}-${i}-${Math.random().toString(36).slice(2)}`, 'token.issued', n, 'client', 'client', JSON.stringify({ grant_type: 'client_credentials', scopes: ['notes:read'], jti: Math.random().toString(36) }), n + 7776000)
    }
  })
  const times = []
  for (let n = 0; n < commits; n++) {
    const started = performance.now()
    batch(n)
    times.push(performance.now() - started)
    // About what a busy server leaves between two batches (one event loop turn of requests).
    if (n % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  }
  database.close()
  rmSync(dir, { recursive: true, force: true })
  times.sort((a, b) => a - b)
  const at = (p) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]
  results[mode] = { medianMs: at(50), p99Ms: at(99), p999Ms: at(99.9), maxMs: times.at(-1), over10Ms: times.filter((t) => t > 10).length }
  process.stdout.write(`${mode}: median ${at(50).toFixed(2)} ms, p99 ${at(99).toFixed(2)} ms, p99.9 ${at(99.9).toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms, ${results[mode].over10Ms} commits over 10 ms\n`)
}
process.stdout.write(`BENCH_RESULT ${JSON.stringify(results)}\n`)
