import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN } from '../helpers/cli.js'

// Black-box: the built `tessera-oidc resource` command on a fresh SQLite database.
let dir: string
let db: string
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }

function tessera(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args, '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-resource-'))
  db = join(dir, 'tessera.db')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('tessera-oidc resource', () => {
  it('create prints the resource and its introspection credentials once; list shows it without the secret; delete removes it', () => {
    const created = tessera('resource', 'create', '--identifier', 'https://api.example.com/v1', '--scope', 'v1.read=Read things', '--scope', 'v1.write v1.admin', '--json')
    expect(created.status, created.stderr).toBe(0)
    const resource = JSON.parse(created.stdout) as Record<string, string>
    expect(resource).toEqual({
      identifier: 'https://api.example.com/v1', scope: 'v1.read v1.write v1.admin',
      client_id: expect.stringMatching(/^rs_[A-Za-z0-9_-]+$/), client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    })
    const text = tessera('resource', 'create', '--identifier', 'https://files.example.com/', '--scope', 'files.read')
    expect(text.status, text.stderr).toBe(0)
    expect(text.stdout).toContain('client_secret: ')
    expect(text.stdout).toContain('The secret is shown only now.')

    const listed = tessera('resource', 'list', '--json')
    expect(listed.stdout).not.toContain(resource.client_secret)
    expect(JSON.parse(listed.stdout)).toEqual([
      { identifier: 'https://api.example.com/v1', scopes: { 'v1.read': 'Read things', 'v1.write': 'v1.write', 'v1.admin': 'v1.admin' }, client_id: resource.client_id, created_at: expect.any(Number) },
      expect.objectContaining({ identifier: 'https://files.example.com/', scopes: { 'files.read': 'files.read' } }),
    ])
    // The credentials are a client no grant is open to, deleted with the resource.
    const clients = JSON.parse(tessera('client', 'list', '--json').stdout) as { client_id: string; grant_types: string[] }[]
    expect(clients.find((client) => client.client_id === resource.client_id)?.grant_types).toEqual([])

    expect(tessera('resource', 'delete', 'https://api.example.com/v1').status).toBe(0)
    expect(JSON.parse(tessera('resource', 'list', '--json').stdout)).toEqual([expect.objectContaining({ identifier: 'https://files.example.com/' })])
    const afterDelete = JSON.parse(tessera('client', 'list', '--json').stdout) as { client_id: string }[]
    expect(afterDelete.some((client) => client.client_id === resource.client_id)).toBe(false)
  }, 60_000)

  it.each([
    ['a relative identifier', ['--identifier', 'api', '--scope', 'x.read'], 'absolute URI'],
    ['an identifier with a fragment', ['--identifier', 'https://api.example.com/#f', '--scope', 'x.read'], 'absolute URI'],
    ['no scope', ['--identifier', 'https://api.example.com/none'], '--scope'],
    ['an OpenID Connect scope', ['--identifier', 'https://api.example.com/oidc', '--scope', 'openid'], 'reserved scope'],
    ['a scope of another resource', ['--identifier', 'https://api.example.com/again', '--scope', 'files.read'], 'already belongs'],
    ['an identifier that exists', ['--identifier', 'https://files.example.com/', '--scope', 'other.read'], 'already exists'],
  ])('create refuses %s with exit code 2 and a message', (_name, args, message) => {
    const result = tessera('resource', 'create', ...args)
    expect(result.status).toBe(2)
    expect(result.stderr).toContain(message)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('delete of an unknown resource and an unknown action are usage errors', () => {
    const unknown = tessera('resource', 'delete', 'https://nothing.example/')
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain('no stored resource')
    expect(tessera('resource', 'rename').status).toBe(2)
    const help = spawnSync(process.execPath, [BIN, 'resource', '--help'], { env, encoding: 'utf8' })
    expect(help.stdout).toContain('create --identifier URI --scope SCOPE... [--json]')
  })
})
