/**
 * `--help` and `--version` of the built command: on stdout with exit 0, and without opening a store — run in
 * an empty folder, no `./data/tessera.db` appears. Usage mistakes exit 2 before a store is opened too.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN } from '../helpers/cli.js'

let cwd: string
// No database in the environment either: the default ./data/tessera.db is what would appear.
const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789' }
for (const name of ['TESSERA_DB', 'DATABASE_URL', 'REDIS_URL']) delete env[name]

function tessera(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [TESSERA_BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 30_000, ...(input !== undefined ? { input } : {}) })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'tessera-help-'))
})
afterAll(() => rmSync(cwd, { recursive: true, force: true }))

const COMMANDS = ['serve', 'client', 'user', 'keys', 'secret', 'config', 'migrate', 'audit', 'registration']

describe('tessera-oidc --help', () => {
  it('lists every command on stdout', () => {
    for (const flag of ['--help', '-h', 'help']) {
      const result = tessera([flag])
      expect(result.status, flag).toBe(0)
      for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'))
    }
  })

  it('shows each command\'s options with --help, -h or help <command>, without opening a store', () => {
    for (const command of COMMANDS) {
      for (const args of [[command, '--help'], [command, '-h'], ['help', command], ...(command === 'client' ? [['client', 'create', '--help']] : [])]) {
        const result = tessera(args)
        expect(result.status, args.join(' ')).toBe(0)
        expect(result.stdout).toContain(`usage: tessera-oidc ${command}`)
        // Every command that opens a store says how to choose it; `config` opens none.
        if (command !== 'config') expect(result.stdout).toContain('--db PATH')
        expect(result.stderr).toBe('')
      }
    }
    expect(existsSync(join(cwd, 'data'))).toBe(false)
  })

  it('names every flag serve and client accept, the grant types and auth methods from the server\'s capabilities', () => {
    const serve = tessera(['serve', '--help']).stdout
    for (const flag of ['--config', '--demo', '--port', '--host', '--issuer', '--access-token-format', '--trusted-proxy', '--forwarded-header', '--no-seed', '--registration', '--metrics', '--metrics-port']) expect(serve).toContain(flag)
    const client = tessera(['client', '--help']).stdout
    for (const flag of ['--post-logout-redirect-uri', '--id-token-alg', '--skip-consent', 'authorization_code|refresh_token|client_credentials', 'client_secret_basic|client_secret_post|none']) expect(client).toContain(flag)
    expect(tessera(['user', '--help']).stdout).toContain('--password-stdin')
  })

  it('shows doctor\'s options, and it needs no store', () => {
    expect(tessera(['--help']).stdout).toMatch(/^ {2}doctor /m)
    for (const args of [['doctor', '--help'], ['help', 'doctor'], ['doctor', 'https://as.example.com', '-h']]) {
      const result = tessera(args)
      expect(result.status, args.join(' ')).toBe(0)
      expect(result.stdout).toContain('usage: tessera-oidc doctor <url>')
      for (const flag of ['--json', '--no-write', '--registration-token', '--client-metadata-url', '--timeout']) expect(result.stdout).toContain(flag)
      expect(result.stderr).toBe('')
    }
    expect(existsSync(join(cwd, 'data'))).toBe(false)
  })

  it('prints the version of the package with --version', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
    for (const flag of ['--version', '-v']) expect(tessera([flag])).toMatchObject({ status: 0, stdout: `${version}\n` })
  })

  it('answers a missing or unknown command or action with the usage on stderr and exit 2, before any store opens', () => {
    for (const args of [[], ['nonsense'], ['help', 'nonsense'], ['client'], ['client', 'frobnicate'], ['user'], ['keys', 'burn']]) {
      const result = tessera(args)
      expect(result.status, args.join(' ')).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toContain('usage: tessera')
    }
    expect(existsSync(join(cwd, 'data'))).toBe(false)
  })
})

describe('tessera-oidc user --password-stdin', () => {
  it('reads the password from standard input, so it stays out of the shell history', () => {
    const db = join(cwd, 'users.db')
    const created = tessera(['user', 'create', '--username', 'erin', '--password-stdin', '--db', db, '--json'], 'erin-password-1\n')
    expect(created.status, created.stderr).toBe(0)
    expect(JSON.parse(created.stdout)).toMatchObject({ username: 'erin' })
    expect(tessera(['user', 'update', '--username', 'erin', '--password-stdin', '--password', 'x', '--db', db], '').status).toBe(2)
    // Without a terminal and without a password option there is nobody to ask.
    const missing = tessera(['user', 'create', '--username', 'fay', '--db', db], '')
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/--password-stdin/)
    const migrated = tessera(['migrate', '--db', db])
    expect(migrated).toMatchObject({ status: 0 })
    expect(migrated.stderr).toMatch(/^migrating /)
  })
})
