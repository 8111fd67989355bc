import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe } from '../helpers/cli.js'

// Black-box: the built command registers a device-only client (no redirect URI, no response type), and
// `serve` offers the device flow with the configuration file's `deviceFlow` settings.
let dir: string
let db: string
const env = { ...process.env, TESSERA_SECRET: 'cli-device-secret-cli-device-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code'

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-device-'))
  db = join(dir, 'tessera.db')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('tessera-oidc and the device flow', () => {
  it('client create --grant device_code needs no redirect URI; serve answers the device with the configured lifetime and interval', async () => {
    const created = spawnSync(process.execPath, [BIN, 'client', 'create', '--name', 'Kiosk', '--grant', 'device_code', '--auth-method', 'none', '--scope', 'notes:read', '--json', '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
    expect(created.status, created.stderr).toBe(0)
    const client = JSON.parse(created.stdout) as { client_id: string; redirect_uris: string[]; grant_types: string[] }
    expect(client.redirect_uris).toEqual([])
    expect(client.grant_types).toEqual([DEVICE_CODE])
    expect(spawnSync(process.execPath, [BIN, 'client', '--help'], { env, encoding: 'utf8' }).stdout).toContain(DEVICE_CODE)

    const config = join(dir, 'tessera.config.json')
    writeFileSync(config, JSON.stringify({ deviceFlow: { codeLifetime: '15m', interval: 8 } }))
    const server = await startServe(db, ['--no-seed', '--config', config], env)
    try {
      const response = await fetch(`${server.url}/device_authorization`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: client.client_id }),
      })
      const body = (await response.json()) as Record<string, unknown>
      expect(response.status, JSON.stringify(body)).toBe(200)
      expect(body).toMatchObject({ expires_in: 900, interval: 8, verification_uri: `${server.url}/device` })
      const pending = await fetch(`${server.url}/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: DEVICE_CODE, device_code: String(body.device_code), client_id: client.client_id }),
      })
      expect(((await pending.json()) as { error: string }).error).toBe('authorization_pending')
    } finally {
      await server.stop()
    }
  }, 60_000)
})
