import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe } from '../helpers/cli.js'

// Black-box: the built command with `--profile fapi2` (issue 15). What the profile refuses per request is
// test/security/fapi2-profile.test.ts; here, that the switch reaches the server and contradictions stop the start.
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-profile-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function serveOnce(args: string[], extraEnv: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnSync> & { stderr: string } {
  return spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--db', join(dir, 'refused.db'), ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 30_000 })
}

describe('tessera-oidc serve --profile fapi2', () => {
  it('starts with discovery showing the profile: PAR required, private_key_jwt only, S256, DPoP algorithms of the profile', async () => {
    const serve = await startServe(join(dir, 'fapi2.db'), ['--profile', 'fapi2'], env)
    try {
      expect(serve.output()).toMatch(/profile: FAPI 2\.0 Security Profile/)
      const metadata = (await (await fetch(`${serve.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
      expect(metadata).toMatchObject({
        require_pushed_authorization_requests: true,
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        id_token_signing_alg_values_supported: ['ES256'],
      })
      expect(metadata.dpop_signing_alg_values_supported).not.toContain('RS256')
      // The demo's seeded secret client cannot get a token: secrets do not authenticate under the profile.
      const refused = await fetch(`${serve.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('x:y').toString('base64')}` }, body: 'grant_type=client_credentials' })
      expect(refused.status).toBe(401)
      expect(await refused.json()).toMatchObject({ error: 'invalid_client' })
    } finally {
      await serve.stop()
    }
  })

  it('refuses an unknown profile', () => {
    const result = serveOnce(['--profile', 'fapi1'])
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/--profile must be fapi2/)
  })

  it('refuses to start when a setting contradicts the profile: PAR switched off, a code lifetime over 60 s', () => {
    const noPar = serveOnce(['--profile', 'fapi2'], { TESSERA_REQUIRE_PAR: '0' })
    expect(noPar.status).not.toBe(0)
    expect(noPar.stderr).toMatch(/capabilities .*pushedAuthorizationRequests\(\{ required: true \}\).*profile: fapi2/)
    const file = join(dir, 'long-code.json')
    writeFileSync(file, JSON.stringify({ profile: 'fapi2', lifetimes: { authorizationCode: '5m' } }))
    const longCode = serveOnce(['--config', file])
    expect(longCode.status).not.toBe(0)
    expect(longCode.stderr).toMatch(/lifetimes\.authorizationCode must be at most 60 seconds under FAPI 2\.0, got 300 \(profile: fapi2\)/)
  })
})
