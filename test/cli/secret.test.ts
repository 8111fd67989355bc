import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe } from '../helpers/cli.js'

// Black-box: the built `tessera` command, one database across the steps of a secret rotation.
const OLD = 'old-secret-old-secret-old-secret-0123456789'
const NEW = 'new-secret-new-secret-new-secret-0123456789'
const base = { ...process.env, TESSERA_LOG_LEVEL: 'warn' }
let dir: string
let db: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-secret-'))
  db = join(dir, 'tessera.db')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function tessera(args: string[], secret?: string) {
  const env: NodeJS.ProcessEnv = { ...base }
  if (secret === undefined) delete env.TESSERA_SECRET
  else env.TESSERA_SECRET = secret
  return spawnSync(process.execPath, [BIN, ...args, '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
}

async function kidsServedWith(secret: string): Promise<string[]> {
  const server = await startServe(db, ['--no-seed'], { ...base, TESSERA_SECRET: secret })
  try {
    const { keys } = (await (await fetch(`${server.url}/jwks`)).json()) as { keys: { kid: string }[] }
    return keys.map((key) => key.kid)
  } finally {
    await server.stop()
  }
}

describe('tessera-oidc secret rotate and TESSERA_SECRET', () => {
  it('moves from one secret to another: the wrong one refused at start, both accepted, then the new one alone', async () => {
    const before = await kidsServedWith(OLD)
    expect(before).toHaveLength(2)

    // The wrong secret: serve refuses to start, names the problem and the fix, and never listens.
    const wrong = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--no-seed', '--db', db], { env: { ...base, TESSERA_SECRET: NEW }, encoding: 'utf8', timeout: 30_000 })
    expect(wrong.status).toBe(2)
    expect(wrong.stderr).toMatch(/cannot open the stored signing keys/)
    expect(wrong.stderr).toMatch(/TESSERA_SECRET=new,old/)
    expect(wrong.stdout).not.toMatch(/authorization server:/)
    expect(wrong.stderr).not.toMatch(/\n\s+at /)

    // Both, newest first: the server starts with the keys the old secret sealed.
    expect(await kidsServedWith(`${NEW},${OLD}`)).toEqual(before)

    // A rotation needs the old secret in the list.
    const missing = tessera(['secret', 'rotate'], NEW)
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/none of the secrets in TESSERA_SECRET opens signing key/)

    const rotated = tessera(['secret', 'rotate', '--json'], `${NEW},${OLD}`)
    expect(rotated.status, rotated.stderr).toBe(0)
    expect(rotated.stderr).toMatch(/sealing new signing keys/)
    const { keys } = JSON.parse(rotated.stdout) as { keys: { kid: string }[] }
    expect(keys).toHaveLength(2)

    // The new secret alone now opens the active keys; the old public keys stay published for tokens they signed.
    const after = await kidsServedWith(NEW)
    expect(after).toEqual(expect.arrayContaining([...before, ...keys.map((key) => key.kid)]))
  })

  it('refuses the local generated secret for an issuer that is not on loopback', () => {
    const result = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--no-seed', '--db', join(dir, 'other.db'), '--issuer', 'https://auth.example.com'], {
      env: Object.fromEntries(Object.entries(base).filter(([name]) => name !== 'TESSERA_SECRET')), encoding: 'utf8', timeout: 30_000,
    })
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/set TESSERA_SECRET .*is for local use, and https:\/\/auth\.example\.com is not on loopback/)
  })

  it('explains itself', () => {
    const help = spawnSync(process.execPath, [BIN, 'secret', '--help'], { env: base, encoding: 'utf8' })
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/TESSERA_SECRET=NEW,OLD/)
  })
})
