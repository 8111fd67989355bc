import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe } from '../helpers/cli.js'

// Black-box: the built command's rotation grace switch (flag, environment, configuration file) reaches the
// server, is bounded, and leaves discovery as it is. What the grace does per request is
// test/server/grants/refresh-grace.test.ts.
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-grace-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function serveOnce(args: string[], extraEnv: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnSync> & { stderr: string } {
  return spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--db', join(dir, 'refused.db'), ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 30_000 })
}

async function discovery(url: string): Promise<string> {
  const text = await (await fetch(`${url}/.well-known/openid-configuration`)).text()
  return text.replaceAll(url, 'ISSUER')
}

describe('tessera-oidc serve --refresh-token-reuse-grace', () => {
  it('takes the grace from the flag over the file, and from the environment; discovery stays the same', async () => {
    const file = join(dir, 'grace.json')
    writeFileSync(file, JSON.stringify({ lifetimes: { refreshTokenReuseGrace: 7, accessToken: '30m' } }))
    const plain = await startServe(join(dir, 'plain.db'), [], env)
    const flagged = await startServe(join(dir, 'flag.db'), ['--config', file, '--refresh-token-reuse-grace', '5'], env)
    const fromEnv = await startServe(join(dir, 'env.db'), [], { ...env, TESSERA_REFRESH_TOKEN_REUSE_GRACE: '3' })
    try {
      expect(plain.output()).not.toMatch(/reuse grace/)
      expect(flagged.output()).toMatch(/refresh-token reuse grace: 5 s/)
      expect(fromEnv.output()).toMatch(/refresh-token reuse grace: 3 s/)
      expect(await discovery(flagged.url)).toBe(await discovery(plain.url))
    } finally {
      await Promise.all([plain.stop(), flagged.stop(), fromEnv.stop()])
    }
  })

  it('refuses more than 60 seconds, or anything but seconds, from the flag and from the file', () => {
    for (const value of ['61', '1m', '-1']) {
      const result = serveOnce([`--refresh-token-reuse-grace=${value}`])
      expect(result.status).toBe(2)
      expect(result.stderr).toMatch(/--refresh-token-reuse-grace must be seconds from 0 \(off\) to 60/)
    }
    const file = join(dir, 'too-long.json')
    writeFileSync(file, JSON.stringify({ lifetimes: { refreshTokenReuseGrace: 120 } }))
    const fromFile = serveOnce(['--config', file])
    expect(fromFile.status).not.toBe(0)
    expect(fromFile.stderr).toMatch(/lifetimes\.refreshTokenReuseGrace/)
    expect(fromFile.stderr).toMatch(/at most 60 seconds/)
  })
})
