/**
 * Loading of the optional peer dependencies (drivers and native modules): an API that only verifies
 * tokens must not install better-sqlite3 or argon2, so each is imported when the feature that needs it
 * is opened. Kept in crypto/ because it is the lowest layer that loads one (argon2 for passwords), and
 * every layer that opens a driver (storage, client, server, standalone, cli) may import it.
 */
import type Argon2 from 'argon2'
import type BetterSqlite3 from 'better-sqlite3'
import type { Redis } from 'ioredis'
import type Pg from 'pg'
import type * as PromClient from 'prom-client'
import type * as Nodemailer from 'nodemailer'

/**
 * A feature was used whose package is not installed (an optional peer dependency of `tessera-oidc`).
 * The message names the package and the command that installs it.
 *
 * @example
 * ```ts
 * try { await openSqliteStore({ filename }) } catch (error) {
 *   if (error instanceof MissingDependencyError) console.error(error.message) // the SQLite store needs better-sqlite3: npm install better-sqlite3@12
 * }
 * ```
 */
export class MissingDependencyError extends Error {
  /** The package to install, e.g. `better-sqlite3`. */
  readonly dependency: string
  /** The command that installs it, e.g. `npm install better-sqlite3@12`. */
  readonly install: string

  constructor(feature: string, dependency: string, install: string, options: { cause?: unknown } = {}) {
    super(`${feature} needs ${dependency}: ${install}`, { cause: options.cause })
    this.name = 'MissingDependencyError'
    this.dependency = dependency
    this.install = install
  }
}

/** An optional peer: its package name, the major the package is tested with, and the import itself. */
export interface OptionalModule<T> {
  dependency: string
  /** Appended to the install command (`@12`), so a user gets the major this package is built against. */
  range?: string
  /** `() => import('better-sqlite3')`: a literal specifier, so types and bundlers still see the module. */
  load: () => Promise<T>
}

const loaded = new Map<string, Promise<unknown>>()

/**
 * Imports an optional peer once (later calls share the promise), rejecting with `MissingDependencyError`
 * when its package is not installed. Any other failure (a broken install, a native build for another
 * Node) is passed on as it is: the operator needs that error, not advice to install again.
 *
 * @param feature what needs the module, as the start of a sentence: `the SQLite store`
 */
export function importOptional<T>(feature: string, module: OptionalModule<T>): Promise<T> {
  let pending = loaded.get(module.dependency) as Promise<T> | undefined
  if (pending === undefined) {
    pending = module.load()
    loaded.set(module.dependency, pending)
    // A failed import is not kept: installing the package while the process runs (a REPL, a watcher) then works.
    pending.catch(() => loaded.delete(module.dependency))
  }
  return pending.catch((error: unknown) => {
    if (!isNotFound(error, module.dependency)) throw error
    const install = `npm install ${module.dependency}${module.range === undefined ? '' : `@${module.range}`}`
    throw new MissingDependencyError(feature, module.dependency, install, { cause: error })
  })
}

/** Node's "package not found" for this very package, not for a module it imports in turn. */
function isNotFound(error: unknown, dependency: string): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false
  return error.message.includes(`'${dependency}'`)
}

/**
 * The optional peers, with the major declared in package.json `peerDependencies` (test/crypto checks
 * they agree). Each `load` returns what the callers use: a CommonJS module's export is its `default`.
 */
export const OPTIONAL_MODULES: {
  betterSqlite3: OptionalModule<typeof BetterSqlite3>
  pg: OptionalModule<typeof Pg>
  ioredis: OptionalModule<typeof Redis>
  argon2: OptionalModule<typeof Argon2>
  promClient: OptionalModule<typeof PromClient>
  nodemailer: OptionalModule<typeof Nodemailer>
} = {
  betterSqlite3: optional('better-sqlite3', '12', async () => (await import('better-sqlite3')).default),
  pg: optional('pg', '8', async () => (await import('pg')).default),
  ioredis: optional('ioredis', '6', async () => (await import('ioredis')).Redis),
  argon2: optional('argon2', '0.45', async () => (await import('argon2')).default),
  promClient: optional('prom-client', '15', () => import('prom-client')),
  nodemailer: optional('nodemailer', '10', () => import('nodemailer')),
}

function optional<T>(dependency: string, range: string, load: () => Promise<T>): OptionalModule<T> {
  return { dependency, range, load }
}
