import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe } from '../helpers/cli.js'

// Black-box: `serve --admin-api --admin-console` serves /admin, which signs its user in at the server's own
// /authorize; the console without the admin API is refused at the start.
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-console-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('tessera-oidc serve --admin-console', () => {
  it('serves /admin, signing in through /authorize with the console\'s built-in client', async () => {
    const db = join(dir, 'console.sqlite')
    execFileSync(process.execPath, [BIN, 'user', 'create', '--db', db, '--username', 'alice', '--password-stdin'], { env, input: 'alice-password-long\n' })
    const serve = await startServe(db, ['--admin-api', '--admin-console', '--admin-user', 'alice'], env, { demo: false })
    try {
      expect(serve.output()).toContain('admin console:')
      const response = await fetch(`${serve.url}/admin/clients`, { redirect: 'manual' })
      expect(response.status).toBe(303)
      const authorize = new URL(response.headers.get('location') ?? '')
      expect(authorize.searchParams.get('client_id')).toBe('urn:tessera:admin-console')
      const login = await fetch(authorize, { redirect: 'manual', headers: { cookie: response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]).join('; ') } })
      expect(login.status).toBe(303)
      expect(new URL(login.headers.get('location') ?? '', serve.url).pathname).toMatch(/^\/interaction\//)
    } finally {
      await serve.stop()
    }
  })

  it('refuses to start without the admin API', () => {
    const result = spawnSync(process.execPath, [BIN, 'serve', '--db', join(dir, 'alone.sqlite'), '--port', '0', '--admin-console'], { env, encoding: 'utf8', timeout: 30_000 })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain('--admin-console needs the admin API')
  })
})
