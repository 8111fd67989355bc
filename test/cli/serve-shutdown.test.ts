/**
 * A clean stop of `tessera-oidc serve` loses neither a log line nor an audit record (issue 20): log lines are
 * written asynchronously and audit records in batches, both off the request path, so both must be written out
 * when the process stops on SIGTERM. Runs the built command (`npx tsc -p tsconfig.build.json` first).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServe, TESSERA_BIN } from '../helpers/cli.js'

let dir: string
let db: string
const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_SECRET: 'shutdown-test-secret-0123456789-abcdefghij', TESSERA_LOG_LEVEL: 'info' }
for (const name of ['TESSERA_DB', 'DATABASE_URL', 'REDIS_URL', 'TESSERA_CONFIG']) delete env[name]
const API = 'https://api.example.test'

function tessera(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [TESSERA_BIN, ...args, '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-shutdown-'))
  db = join(dir, 'tessera.db')
  writeFileSync(join(dir, 'tessera.json'), JSON.stringify({ resources: [{ identifier: API, scopes: { 'notes:read': 'Read notes' } }] }))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('tessera-oidc serve, stopped with SIGTERM', () => {
  it('has written the log line and stored the audit record of every token it issued', async () => {
    const created = tessera('client', 'create', '--name', 'Batch job', '--grant', 'client_credentials', '--scope', 'notes:read', '--json')
    expect(created.status, created.stderr).toBe(0)
    const client = JSON.parse(created.stdout) as { client_id: string; client_secret: string }
    const serve = await startServe(db, ['--config', join(dir, 'tessera.json')], env, { demo: false })
    const authorization = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`
    const issued = await Promise.all(Array.from({ length: 20 }, async () => {
      const response = await fetch(`${serve.url}/token`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'notes:read', resource: API }).toString(),
      })
      expect(response.status).toBe(200)
      const token = (await response.json()) as { access_token: string }
      return JSON.parse(Buffer.from(token.access_token.split('.')[1] ?? '', 'base64url').toString()) as { jti: string }
    }))
    // Stopped right after the last answer: whatever is still queued must be written on the way out.
    await serve.stop()
    expect(serve.child.exitCode).toBe(0)
    const logged = serve.output().split('\n').filter((line) => line.includes('"token.issued"'))
    for (const { jti } of issued) expect(logged.some((line) => line.includes(jti))).toBe(true)
    const audit = tessera('audit', '--type', 'token.issued', '--json')
    expect(audit.status, audit.stderr).toBe(0)
    const stored = JSON.stringify(JSON.parse(audit.stdout))
    for (const { jti } of issued) expect(stored).toContain(jti)
  }, 90_000)
})
