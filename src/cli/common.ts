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

export async function openStore(flag: string | undefined): Promise<Store> {
  return openSqliteStore({ filename: dbPath(flag) })
}

/**
 * The server secret: `TESSERA_SECRET`, or for a local first run a random one kept next to the database
 * (mode 0600), so that `npm start` works with no setup and keys stay readable across restarts.
 */
export function serverSecret(db: string): { secret: string; generated: boolean; file?: string } {
  const fromEnv = process.env.TESSERA_SECRET
  if (fromEnv) return { secret: fromEnv, generated: false }
  if (db === ':memory:') return { secret: randomToken(32), generated: true }
  const file = join(dirname(db), 'tessera.secret')
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), generated: false, file }
  mkdirSync(dirname(file), { recursive: true })
  const secret = randomToken(32)
  writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return { secret, generated: true, file }
}

export function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`)
}

export function now(): number {
  return Math.floor(Date.now() / 1000)
}
