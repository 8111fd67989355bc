import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe, type ServeProcess } from '../helpers/cli.js'

// Black-box, like cli.test.ts: the built `tessera` command.
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
let dir: string
let db: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-format-'))
  db = join(dir, 'tessera.db')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function serve(args: string[], extraEnv: Record<string, string> = {}): Promise<ServeProcess> {
  return startServe(db, args, { ...env, ...extraEnv })
}

function createM2mClient(): { client_id: string; client_secret: string } {
  const created = spawnSync(process.execPath, [BIN, 'client', 'create', '--name', 'm2m', '--grant', 'client_credentials', '--scope', 'notes:read', '--json', '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
  expect(created.status, created.stderr).toBe(0)
  return JSON.parse(created.stdout) as { client_id: string; client_secret: string }
}

async function clientCredentialsToken(url: string, client: { client_id: string; client_secret: string }): Promise<string> {
  const response = await fetch(`${url}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials&scope=notes%3Aread',
  })
  expect(response.status).toBe(200)
  const body = (await response.json()) as { access_token: string; token_type: string }
  expect(body.token_type).toBe('Bearer')
  return body.access_token
}

describe('tessera-oidc serve --access-token-format', () => {
  it('refuses an unknown format with exit code 2 and the flag named', () => {
    const result = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, '--access-token-format', 'paseto'], { env, encoding: 'utf8', timeout: 30_000 })
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/--access-token-format must be jwt or opaque/)
  })

  it('issues opaque tokens with the flag or TESSERA_ACCESS_TOKEN_FORMAT, JWTs by default', async () => {
    const client = createM2mClient()
    for (const [args, extraEnv, shape] of [
      [['--access-token-format', 'opaque'], {}, /^[A-Za-z0-9_-]{43}$/],
      [[], { TESSERA_ACCESS_TOKEN_FORMAT: 'opaque' }, /^[A-Za-z0-9_-]{43}$/],
      [[], {}, /^[^.]+\.[^.]+\.[^.]+$/],
    ] as const) {
      const server = await serve([...args], extraEnv)
      try {
        expect(await clientCredentialsToken(server.url, client)).toMatch(shape)
      } finally {
        await server.stop()
      }
    }
  })
})
