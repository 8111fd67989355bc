import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { storedTokenExchangePolicy } from '../../src/server/token-exchange/index.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import { TESSERA_BIN } from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-tx-'))
const db = join(dir, 'tessera.db')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function tessera(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [TESSERA_BIN, ...args, '--db', db], { env: { ...process.env, TESSERA_LOG_LEVEL: 'error' }, encoding: 'utf8', timeout: 30_000 })
}

async function storedPolicy(clientId: string): Promise<unknown> {
  const store = await openSqliteStore({ filename: db })
  try {
    return await storedTokenExchangePolicy(store, clientId, Math.floor(Date.now() / 1000))
  } finally {
    await store.close()
  }
}

describe('tessera-oidc client --token-exchange-policy (RFC 8693)', () => {
  it('creates a token-exchange client with a policy, replaces it, removes it, and refuses a bad one before writing anything', async () => {
    const policy = { resources: ['https://orders.example/api'], audiences: ['https://billing.example/api'], delegation: true }
    const created = tessera('client', 'create', '--name', 'Orders', '--grant', 'client_credentials,token-exchange', '--scope', 'openid', '--token-exchange-policy', JSON.stringify(policy), '--json')
    expect(created.status, created.stderr).toBe(0)
    const { client_id: id, grant_types: grants } = JSON.parse(created.stdout) as { client_id: string; grant_types: string[] }
    expect(grants).toContain('urn:ietf:params:oauth:grant-type:token-exchange')
    expect(await storedPolicy(id)).toEqual(policy)

    const updated = tessera('client', 'update', `--id=${id}`, '--token-exchange-policy', '{"impersonation":true}', '--json')
    expect(updated.status, updated.stderr).toBe(0)
    expect(await storedPolicy(id)).toEqual({ impersonation: true })

    const bad = tessera('client', 'update', `--id=${id}`, '--token-exchange-policy', '{"delegate":true}')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('no member delegate')
    const badCreate = tessera('client', 'create', '--name', 'Bad', '--grant', 'token-exchange', '--token-exchange-policy', 'not json', '--json')
    expect(badCreate.status).toBe(2)
    expect(JSON.parse(tessera('client', 'list', '--json').stdout)).toHaveLength(1)

    expect(tessera('client', 'update', `--id=${id}`, '--token-exchange-policy', 'none').status).toBe(0)
    expect(await storedPolicy(id)).toBeUndefined()
  })
})
