import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe } from '../helpers/cli.js'

// Black-box: the built command with a configuration file's `tokenExchange` policy for a client the CLI created.
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-tx-serve-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const B = 'https://b.example/api'
const C = 'https://c.example/api'
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token'

function tessera(db: string, args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args, '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
}

describe('tessera-oidc serve with tokenExchange in the configuration file', () => {
  it('lets the configured client delegate to another audience, and nobody else', async () => {
    const db = join(dir, 'serve.db')
    const create = (name: string) => {
      const created = tessera(db, ['client', 'create', '--name', name, '--grant', 'client_credentials,token-exchange', '--scope', 'b.read', '--json'])
      expect(created.status, created.stderr).toBe(0)
      return JSON.parse(created.stdout) as { client_id: string; client_secret: string }
    }
    const service = create('Service B')
    const other = create('Other')
    const file = join(dir, 'serve.json')
    writeFileSync(file, JSON.stringify({
      resources: [{ identifier: B, scopes: { 'b.read': 'Read B' } }, { identifier: C, scopes: { 'c.read': 'Read C' } }],
      tokenExchange: { clients: { [service.client_id]: { audiences: [C], delegation: true } } },
    }))
    const server = await startServe(db, ['--config', file], env, { demo: false })
    try {
      const post = async (client: { client_id: string; client_secret: string }, form: Record<string, string>) => {
        const response = await fetch(`${server.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
          body: new URLSearchParams(form).toString(),
        })
        return { status: response.status, body: (await response.json()) as Record<string, unknown> }
      }
      const exchangeFor = async (client: { client_id: string; client_secret: string }) => {
        const own = await post(client, { grant_type: 'client_credentials', resource: B })
        expect(own.status, JSON.stringify(own.body)).toBe(200)
        const token = String(own.body.access_token)
        return post(client, { grant_type: EXCHANGE, subject_token: token, subject_token_type: ACCESS, actor_token: token, actor_token_type: ACCESS, resource: C })
      }
      const delegated = await exchangeFor(service)
      expect(delegated.status, JSON.stringify(delegated.body)).toBe(200)
      const claims = JSON.parse(Buffer.from(String(delegated.body.access_token).split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>
      expect(claims).toMatchObject({ aud: C, act: { sub: service.client_id, client_id: service.client_id } })
      expect((await exchangeFor(other)).body).toMatchObject({ error: 'unauthorized_client' })
    } finally {
      await server.stop()
    }
  })
})
