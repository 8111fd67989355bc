import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN } from '../helpers/cli.js'

// Black-box: the built command's second-factor administration.
let dir: string
let db: string
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789' }

function tessera(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args, '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-mfa-cli-'))
  db = join(dir, 'tessera.db')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('tessera-oidc user … second factors', () => {
  it('requires, reports and resets a second factor, auditing the reset', () => {
    expect(tessera('user', 'create', '--username', 'dave', '--password', 'dave-password').status).toBe(0)
    const required = tessera('user', 'update', '--username', 'dave', '--require-mfa', '--json')
    expect(required.status, required.stderr).toBe(0)
    expect(JSON.parse(required.stdout)).toMatchObject({ username: 'dave', require_mfa: true })
    expect(JSON.parse(tessera('user', 'mfa', 'status', '--username', 'dave', '--json').stdout)).toMatchObject({ enrolled: false, required: true })
    expect(tessera('user', 'update', '--username', 'dave', '--no-require-mfa').status).toBe(0)
    expect(JSON.parse(tessera('user', 'mfa', 'status', '--username', 'dave', '--json').stdout)).toMatchObject({ required: false })
    const reset = tessera('user', 'mfa', 'reset', '--username', 'dave', '--json')
    expect(reset.status, reset.stderr).toBe(0)
    const audit = tessera('audit', '--type', 'mfa.disabled', '--json')
    expect(audit.status, audit.stderr).toBe(0)
    expect(JSON.parse(audit.stdout)).toMatchObject([{ type: 'mfa.disabled', details: { actor: 'cli' } }])
    expect(tessera('user', 'mfa', 'reset', '--username', 'nobody').status).toBe(2)
    expect(tessera('user', 'update', '--username', 'dave', '--require-mfa', '--no-require-mfa').status).toBe(2)
  })
})
