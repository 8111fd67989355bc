import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe, type ServeProcess } from '../helpers/cli.js'

// Black-box: the built command gives a client admin scopes (`client create --scope`), and `serve --admin-api`
// answers that client's token under /admin/v1; without the flag there is no admin API.
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
let dir: string
let db: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-admin-'))
  db = join(dir, 'tessera.sqlite')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function tokenOf(url: string, id: string, secret: string): Promise<string> {
  const response = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  })
  const body = (await response.json()) as { access_token: string; scope: string }
  expect(body.scope).toBe('admin:read')
  return body.access_token
}

describe('tessera-oidc serve --admin-api', () => {
  it('serves /admin/v1 to a client created with --scope admin:read, and not without the flag', async () => {
    const created = JSON.parse(execFileSync(process.execPath, [BIN, 'client', 'create', '--db', db, '--name', 'ops', '--grant', 'client_credentials', '--scope', 'admin:read', '--json'], { env }).toString()) as { client_id: string; client_secret: string; scope: string }
    expect(created.scope).toBe('admin:read')
    let serve: ServeProcess = await startServe(db, ['--admin-api'], env, { demo: false })
    try {
      expect(serve.output()).toContain('/admin/v1')
      const token = await tokenOf(serve.url, created.client_id, created.client_secret)
      const clients = await fetch(`${serve.url}/admin/v1/clients`, { headers: { authorization: `Bearer ${token}` } })
      expect(clients.status).toBe(200)
      expect(((await clients.json()) as { items: Array<{ client_id: string }> }).items.map((client) => client.client_id)).toContain(created.client_id)
      const write = await fetch(`${serve.url}/admin/v1/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      expect(write.status).toBe(403)
    } finally {
      await serve.stop()
    }
    serve = await startServe(db, [], env, { demo: false })
    try {
      expect((await fetch(`${serve.url}/admin/v1/openapi.json`)).status).toBe(404)
    } finally {
      await serve.stop()
    }
  })
})
