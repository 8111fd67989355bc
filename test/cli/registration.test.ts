import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe } from '../helpers/cli.js'

// Black-box: the built `tessera` command with `serve --registration` and `registration token create`.
let dir: string
let db: string
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }

function tessera(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args, '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

function register(url: string, token?: string): Promise<Response> {
  return fetch(`${url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9999/cb'], token_endpoint_auth_method: 'none' }),
  })
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-registration-'))
  db = join(dir, 'tessera.db')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('tessera-oidc serve --registration', () => {
  it('off by default: no registration endpoint; token: one registration per token from tessera-oidc registration token create', async () => {
    const off = await startServe(db, ['--no-seed'], env)
    try {
      expect((await register(off.url)).status).toBe(404)
    } finally {
      await off.stop()
    }
    const created = tessera('registration', 'token', 'create', '--expires', '1h', '--json')
    expect(created.status, created.stderr).toBe(0)
    const { initial_access_token: token, expires_at: expiresAt } = JSON.parse(created.stdout) as { initial_access_token: string; expires_at: number }
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500)
    const serve = await startServe(db, ['--no-seed', '--registration', 'token'], env)
    try {
      expect(serve.output()).toContain(`${serve.url}/register`)
      expect((await register(serve.url)).status).toBe(401)
      expect((await register(serve.url, token)).status).toBe(201)
      expect((await register(serve.url, token)).status).toBe(401)
    } finally {
      await serve.stop()
    }
  }, 60_000)

  it('refuses an unknown policy or duration with exit code 2 and the flag named', () => {
    const policy = spawnSync(process.execPath, [BIN, 'serve', '--registration', 'sometimes', '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
    expect(policy.status).toBe(2)
    expect(policy.stderr).toContain('--registration')
    const expires = tessera('registration', 'token', 'create', '--expires', 'soon')
    expect(expires.status).toBe(2)
    expect(expires.stderr).toContain('--expires')
    expect(tessera('registration', 'nonsense').status).toBe(2)
  })
})
