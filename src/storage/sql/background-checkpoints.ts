import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { SqliteDatabase } from 'kysely'

/**
 * How often the background connection copies the write-ahead log into the database file. Often enough that
 * the serving connection's own checkpoint (below) finds little left to copy and to fsync: at one second,
 * a code-exchange row wrote about 9 pages a request and the serving connection still fsynced twice every
 * 4,000 pages, some 10 ms each on the event loop (issue 20, counted with `strace -f -e fsync`).
 */
export const CHECKPOINT_INTERVAL_MS = 200

/**
 * WAL pages past which the serving connection checkpoints in its own commit after all (SQLite's default is 1,000).
 * A PASSIVE checkpoint of the worker never resets the log while the server keeps writing: SQLite restarts the
 * log only when a write begins with every frame copied back, and under steady traffic a commit always lands
 * while the worker copies. So the log grew without bound (the 20-minute soak of issue 20: 45 MB of WAL beside a
 * 45 MB database after 12 minutes). At this size the serving connection's own checkpoint, right after a commit
 * and with nothing written in between, finds all but the last second's frames already copied by the worker,
 * and the next write starts the log over. 16,000 pages (64 MiB of log at most) make that once every few
 * seconds under the heaviest traffic instead of twice a second.
 */
export const SERVING_CHECKPOINT_PAGES = 16_000

/** What `withBackgroundCheckpoints` needs of the serving connection (a better-sqlite3 `Database`). */
export interface PragmaConnection {
  pragma(source: string): unknown
}

// CommonJS source of the worker, evaluated (no file of its own, so it runs the same from `src/` under the
// tests and from `dist/`). It opens its own connection to the same file and checkpoints passively: a
// PASSIVE checkpoint never waits for, nor blocks, the serving connection's readers and writer.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads')
const Database = require(workerData.module)
const db = new Database(workerData.filename)
db.pragma('busy_timeout = 5000')
setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), workerData.intervalMs)
`

/**
 * The serving connection's SQLite file, checkpointed by a worker thread rather than by the commit that
 * happens to cross SQLite's threshold (1,000 pages of WAL). That checkpoint writes the pages back and
 * fsyncs the file inside the commit, on the event loop: on a busy disk it stalled every request in flight
 * for hundreds of milliseconds (issue 20: `tessera-oidc serve`'s p99 of 0.5–1.2 s against tens of ms
 * without it). The serving connection still checkpoints past `SERVING_CHECKPOINT_PAGES`, copying only what
 * the worker has not, so that the log starts over. If the worker fails, the connection goes back to SQLite's
 * default. Closing stops the worker; SQLite checkpoints once more when the last connection closes.
 *
 * @example new SqliteDialect({ database: withBackgroundCheckpoints(database, sqlite, filename) })
 */
export function withBackgroundCheckpoints(database: SqliteDatabase, connection: PragmaConnection, filename: string, intervalMs = CHECKPOINT_INTERVAL_MS): SqliteDatabase {
  const module = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, filename, intervalMs } })
  // Never what keeps a process alive (a CLI command ends when its work does).
  worker.unref()
  let stopped = false
  connection.pragma(`wal_autocheckpoint = ${SERVING_CHECKPOINT_PAGES}`)
  // After a restart the file is cut back to this size instead of keeping its largest size for good.
  connection.pragma(`journal_size_limit = ${SERVING_CHECKPOINT_PAGES * 4096}`)
  const fallBack = (): void => {
    if (!stopped) connection.pragma('wal_autocheckpoint = 1000')
  }
  worker.once('error', fallBack)
  worker.once('exit', fallBack)
  return {
    prepare: (sql) => database.prepare(sql),
    close: () => {
      stopped = true
      void worker.terminate()
      database.close()
    },
  }
}
