import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MissingDependencyError as RootExport } from '../../src/index.js'
import { importOptional, MissingDependencyError, OPTIONAL_MODULES } from '../../src/crypto/optional-module.js'

/** What Node's ESM loader throws for a package that is not installed. */
function notFound(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/node_modules/tessera-oidc/dist/x.js`), { code: 'ERR_MODULE_NOT_FOUND' })
}

describe('importOptional', () => {
  it('names the package and the install command when the package is missing', async () => {
    const error: unknown = await importOptional('the SQLite store', { dependency: 'test-missing-a', range: '12', load: () => Promise.reject(notFound('test-missing-a')) }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MissingDependencyError)
    expect(error).toBeInstanceOf(RootExport)
    expect((error as MissingDependencyError).message).toBe('the SQLite store needs test-missing-a: npm install test-missing-a@12')
    expect((error as MissingDependencyError).dependency).toBe('test-missing-a')
    expect((error as MissingDependencyError).install).toBe('npm install test-missing-a@12')
  })

  it('passes on any other failure as it is: a module missing inside the package, a broken native build', async () => {
    const inner = notFound('bindings')
    await expect(importOptional('the SQLite store', { dependency: 'test-missing-b', load: () => Promise.reject(inner) })).rejects.toBe(inner)
    const broken = new Error('The module was compiled against a different Node.js version')
    await expect(importOptional('the SQLite store', { dependency: 'test-missing-c', load: () => Promise.reject(broken) })).rejects.toBe(broken)
  })

  it('imports once, and tries again after a failure', async () => {
    let calls = 0
    const module = { dependency: 'test-once', load: () => Promise.resolve(++calls) }
    expect(await importOptional('x', module)).toBe(1)
    expect(await importOptional('x', module)).toBe(1)
    let attempts = 0
    const flaky = { dependency: 'test-flaky', load: () => (++attempts === 1 ? Promise.reject(notFound('test-flaky')) : Promise.resolve('loaded')) }
    await expect(importOptional('x', flaky)).rejects.toBeInstanceOf(MissingDependencyError)
    expect(await importOptional('x', flaky)).toBe('loaded')
  })

  it('loads the real drivers the repository installs', async () => {
    const BetterSqlite3 = await importOptional('the SQLite store', OPTIONAL_MODULES.betterSqlite3)
    const db = new BetterSqlite3(':memory:')
    expect(db.prepare('select 1 as one').get()).toEqual({ one: 1 })
    db.close()
    expect(typeof (await importOptional('password hashing', OPTIONAL_MODULES.argon2)).hash).toBe('function')
    expect(typeof (await importOptional('the PostgreSQL store', OPTIONAL_MODULES.pg)).Pool).toBe('function')
    expect(typeof (await importOptional('the Redis store', OPTIONAL_MODULES.ioredis))).toBe('function')
    expect(typeof (await importOptional('Prometheus metrics', OPTIONAL_MODULES.promClient)).Registry).toBe('function')
    expect(typeof (await importOptional('mail', OPTIONAL_MODULES.nodemailer)).createTransport).toBe('function')
  })

  it('advises the major declared in package.json peerDependencies, each an optional peer kept for development', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>
      devDependencies: Record<string, string>
      peerDependencies: Record<string, string>
      peerDependenciesMeta: Record<string, { optional?: boolean }>
    }
    for (const { dependency, range } of Object.values(OPTIONAL_MODULES)) {
      expect(pkg.peerDependencies[dependency], dependency).toBe(`^${range}`)
      expect(pkg.peerDependenciesMeta[dependency]?.optional, dependency).toBe(true)
      expect(pkg.devDependencies[dependency], dependency).toBeDefined()
      expect(pkg.dependencies[dependency], dependency).toBeUndefined()
    }
  })

  it('is the only way src/ loads an optional peer: every other import of one is `import type`', () => {
    const peers = Object.values(OPTIONAL_MODULES).map(({ dependency }) => dependency)
    const files = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && file !== join('crypto', 'optional-module.ts'))
    const offending = files.flatMap((file) => {
      const text = readFileSync(join('src', file), 'utf8')
      return peers.flatMap((peer) => {
        const quoted = `'${peer}'`
        const value = new RegExp(String.raw`^\s*(import(?!\s+type\b)[^'"]*?from|export[^'"]*?from|import)\s*${quoted}|import\(\s*${quoted}`, 'm')
        return value.test(text) ? [`${file}: ${peer}`] : []
      })
    })
    expect(offending).toEqual([])
  })
})
