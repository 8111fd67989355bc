import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { randomToken } from '../crypto/random.js'
import { openSqliteStore } from '../storage/sqlite.js'
import type { Store } from '../storage/types.js'

export const DEFAULT_DB = './data/tessera.db'

/** Thrown for bad command-line input; printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export function dbPath(flag: string | undefined): string {
  return flag ?? process.env.TESSERA_DB ?? DEFAULT_DB
}

export interface StoreFlags {
  db?: string | undefined
  'database-url'?: string | undefined
  'redis-url'?: string | undefined
}

/** Options every command accepts to choose its store. */
export const STORE_OPTIONS = {
  db: { type: 'string' },
  'database-url': { type: 'string' },
  'redis-url': { type: 'string' },
} as const

/**
 * The server URLs in effect: flags first, then `DATABASE_URL`/`REDIS_URL` — unless `--db` was given
 * explicitly, which asks for SQLite whatever the environment says.
 */
export function storeUrls(flags: StoreFlags): { databaseUrl?: string | undefined; redisUrl?: string | undefined } {
  const fromEnv = flags.db === undefined
  return {
    databaseUrl: flags['database-url'] ?? (fromEnv ? process.env.DATABASE_URL : undefined),
    redisUrl: flags['redis-url'] ?? (fromEnv ? process.env.REDIS_URL : undefined),
  }
}

/**
 * SQLite (`--db`) by default; PostgreSQL with `--database-url` (env `DATABASE_URL`), plus Redis for
 * short-lived records with `--redis-url` (env `REDIS_URL`).
 */
export async function openStore(flags: StoreFlags): Promise<Store> {
  const { databaseUrl, redisUrl } = storeUrls(flags)
  if (redisUrl && !databaseUrl) throw new UsageError('--redis-url needs --database-url (Redis holds only short-lived records)')
  if (databaseUrl && redisUrl) {
    const { openPostgresRedisStore } = await import('../storage/composite.js')
    return openPostgresRedisStore({ databaseUrl, redisUrl })
  }
  if (databaseUrl) {
    const { openPostgresStore } = await import('../storage/postgres.js')
    return openPostgresStore({ connectionString: databaseUrl })
  }
  return openSqliteStore({ filename: dbPath(flags.db) })
}

/** The secret for a store: with a shared database every instance must use the same `TESSERA_SECRET`. */
export function secretFor(flags: StoreFlags): ReturnType<typeof serverSecret> {
  if (storeUrls(flags).databaseUrl && !process.env.TESSERA_SECRET) {
    throw new UsageError('set TESSERA_SECRET when using --database-url: all instances must share it')
  }
  return serverSecret(dbPath(flags.db))
}

export interface ServerSecret {
  /** The secret that seals and signs: the first of `TESSERA_SECRET`. */
  secret: string
  /** Every secret, newest first (`TESSERA_SECRET=new,old` while rotating). */
  secrets: string[]
  /** Made just now for a local first run. */
  generated: boolean
  /** The local file it is kept in, when it is not from the environment. */
  file?: string
}

/**
 * The server secret: `TESSERA_SECRET` (a comma-separated list newest first while rotating), or for a
 * local first run a random one kept next to the database (mode 0600), so that `npm start` works with no
 * setup and keys stay readable across restarts.
 */
export function serverSecret(db: string): ServerSecret {
  const fromEnv = process.env.TESSERA_SECRET
  if (fromEnv) {
    const secrets = fromEnv.split(',').map((entry) => entry.trim())
    return { secret: secrets[0] ?? '', secrets, generated: false }
  }
  const local = (secret: string, generated: boolean, file?: string): ServerSecret => ({ secret, secrets: [secret], generated, ...(file ? { file } : {}) })
  if (db === ':memory:') return local(randomToken(32), true)
  const file = join(dirname(db), 'tessera.secret')
  if (existsSync(file)) return local(readFileSync(file, 'utf8').trim(), false, file)
  mkdirSync(dirname(file), { recursive: true })
  const secret = randomToken(32)
  writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return local(secret, true, file)
}

export function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`)
}

export function now(): number {
  return Math.floor(Date.now() / 1000)
}

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }

/**
 * A duration flag (`90s`, `15m`, `1h`, `7d`, `2w`) in seconds, at least one second.
 *
 * @example parseDuration('1d', '--expires') // 86400
 */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d{1,9})([smhdw])$/.exec(value)
  const seconds = match ? Number(match[1]) * (DURATION_UNITS[match[2] ?? 's'] ?? 1) : 0
  if (seconds <= 0) throw new UsageError(`${flag} must be a duration such as 30m, 1h, 1d or 2w`)
  return seconds
}
