import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../src/storage/types.js'

// Black-box: the built `tessera` command (scripts/test.mjs builds dist/ before the suites run).
const BIN = join(process.cwd(), 'dist/cli/main.js')
const env = { ...process.env, TESSERA_SECRET: 'cli-audit-secret-cli-audit-secret-0123456789' }
let dir: string
let db: string

function tessera(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args, '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

function audit(...args: string[]): AuditRecord[] {
  const result = tessera('audit', '--json', ...args)
  expect(result.status, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as AuditRecord[]
}

let clientId: string
let clientSecret: string
let userId: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-audit-'))
  db = join(dir, 'tessera.db')
  const client = tessera('client', 'create', '--name', 'Reporting job', '--grant', 'client_credentials', '--scope', 'notes:read', '--json')
  expect(client.status, client.stderr).toBe(0)
  ;({ client_id: clientId, client_secret: clientSecret } = JSON.parse(client.stdout) as { client_id: string; client_secret: string })
  const user = tessera('user', 'create', '--username', 'carol', '--password', 'carol-password-1', '--json')
  expect(user.status, user.stderr).toBe(0)
  userId = (JSON.parse(user.stdout) as { id: string }).id
  expect(tessera('keys', 'rotate').status).toBe(0)
  expect(tessera('client', 'delete', '--id', clientId).status).toBe(0)
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// Each case runs the command several times, a second or more each on a busy machine.
describe('tessera-oidc audit', { timeout: 120_000 }, () => {
  it('lists the changes made with the CLI, newest first, with the CLI as actor', () => {
    const records = audit()
    expect(records.map((r) => r.type)).toEqual(['client.deleted', 'keys.rotated', 'keys.created', 'user.created', 'client.created'])
    expect(records.every((r) => r.details.actor === 'cli')).toBe(true)
    expect(records.find((r) => r.type === 'client.created')).toMatchObject({ client_id: clientId, details: { client_name: 'Reporting job', grant_types: ['client_credentials'] } })
    expect(records.find((r) => r.type === 'keys.rotated')?.details.algorithms).toEqual(['RS256', 'ES256'])
  })

  it('never shows a client secret or a password', () => {
    const output = tessera('audit', '--json').stdout + tessera('audit').stdout
    expect(output).not.toContain(clientSecret)
    expect(output).not.toContain('carol-password-1')
  })

  it('filters by type or type family, user (name or id), client, time and count', () => {
    expect(audit('--type', 'client').map((r) => r.type)).toEqual(['client.deleted', 'client.created'])
    expect(audit('--type', 'keys.rotated', '--type', 'user.created').map((r) => r.type)).toEqual(['keys.rotated', 'user.created'])
    expect(audit('--user', 'carol').map((r) => r.type)).toEqual(['user.created'])
    expect(audit('--user', userId)).toHaveLength(1)
    expect(audit('--client', clientId).map((r) => r.type)).toEqual(['client.deleted', 'client.created'])
    expect(audit('--since', '1h')).toHaveLength(5)
    expect(audit('--since', '2999-01-01')).toEqual([])
    expect(audit('--until', '2000-01-01T00:00:00Z')).toEqual([])
    expect(audit('--limit', '2').map((r) => r.type)).toEqual(['client.deleted', 'keys.rotated'])
  })

  it('prints a table by default', () => {
    const table = tessera('audit', '--type', 'user')
    expect(table.status, table.stderr).toBe(0)
    const [header, row, extra] = table.stdout.trimEnd().split('\n')
    expect(header).toMatch(/^TIME\s+TYPE\s+SUBJECT\s+CLIENT\s+DETAILS$/)
    expect(row).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z\\s+user\\.created\\s+${userId}\\s+-\\s+username=carol actor=cli$`))
    expect(extra).toBeUndefined()
    expect(tessera('audit', '--type', 'login').stdout.trim()).toBe('(no audit events)')
  })

  it('refuses bad filters with a message and exit code 2', () => {
    for (const args of [['--since', 'yesterday'], ['--type', 'nonsense'], ['--limit', '0'], ['--limit', 'many']]) {
      const result = tessera('audit', ...args)
      expect(result.status, args.join(' ')).toBe(2)
      expect(result.stderr).toMatch(/^tessera-oidc: /)
    }
  })
})
