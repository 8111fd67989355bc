import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser } from '../helpers/http-client.js'
import { newPkce } from '../helpers/pkce.js'
import { TESSERA_BIN as BIN, startServe } from '../helpers/cli.js'
import { alternativeForms } from '../server/federation/flow.js'
import { startUpstream, type Upstream } from '../server/federation/upstream-harness.js'

// Black-box: the built command with a configuration file's `federation`, and a client's allow-list from the CLI.
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
let dir: string
let corp: Upstream

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-federation-'))
  corp = await startUpstream('corp')
})
afterAll(async () => {
  await corp?.close()
  rmSync(dir, { recursive: true, force: true })
})

function config(name: string): string {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify({
    federation: { upstreams: [{ id: 'corp', issuer: corp.issuer, label: 'Corp SSO', clientId: corp.clientId, clientSecretEnv: 'CORP_CLIENT_SECRET' }] },
  }))
  return path
}

function tessera(db: string, args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args, '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
}

describe('tessera-oidc serve with federation in the configuration file', () => {
  it('shows "Continue with Corp SSO" on the login page, and a client limited with --upstream none shows none', async () => {
    const db = join(dir, 'serve.db')
    const open = JSON.parse(tessera(db, ['client', 'create', '--name', 'Open', '--redirect-uri', 'http://127.0.0.1:5000/cb', '--json']).stdout) as { client_id: string }
    const closed = JSON.parse(tessera(db, ['client', 'create', '--name', 'Closed', '--redirect-uri', 'http://127.0.0.1:5000/cb', '--upstream', 'none', '--json']).stdout) as { client_id: string }
    const server = await startServe(db, ['--config', config('serve.json'), '--allow-loopback-fetch'], { ...env, CORP_CLIENT_SECRET: corp.clientSecret }, { demo: false })
    try {
      const loginPage = async (clientId: string): Promise<string> => {
        const browser = new Browser()
        const params = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: 'http://127.0.0.1:5000/cb', scope: 'openid', code_challenge: newPkce().challenge, code_challenge_method: 'S256' })
        const first = await browser.get(`${server.url}/authorize?${params.toString()}`)
        return (await browser.get(first.headers.get('location') ?? '')).text()
      }
      expect([...alternativeForms(await loginPage(open.client_id)).keys()]).toEqual(['Corp SSO'])
      expect(alternativeForms(await loginPage(closed.client_id)).size).toBe(0)
      const lifted = tessera(db, ['client', 'update', '--id', closed.client_id, '--upstream', 'all'])
      expect(lifted.status, lifted.stderr).toBe(0)
      expect([...alternativeForms(await loginPage(closed.client_id)).keys()]).toEqual(['Corp SSO'])
    } finally {
      await server.stop()
    }
  })

  it('refuses to start when the variable naming an upstream\'s secret is not set', () => {
    const result = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--db', join(dir, 'refused.db'), '--config', config('refused.json'), '--allow-loopback-fetch'], { env, encoding: 'utf8', timeout: 30_000 })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(/federation upstream 'corp': set CORP_CLIENT_SECRET/)
  })
})
