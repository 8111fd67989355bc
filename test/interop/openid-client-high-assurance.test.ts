import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, generateKeyPair } from 'jose'
import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN, startServe, type ServeProcess } from '../helpers/cli.js'
import { signInThroughPages } from '../helpers/http-client.js'
import { SECRET } from '../helpers/tessera.js'

/**
 * Issue 15's first "done when", in one flow: panva's openid-client v6 (its own assertions, PAR, proofs
 * and checks) completes the code flow against the built `tessera-oidc serve --demo` with PAR, DPoP and
 * `private_key_jwt` together — the client registered with the CLI as requiring PAR and DPoP — refreshes
 * the DPoP-bound token and calls the demo notes API with DPoP.
 */

const TIMEOUT = 60_000
const REDIRECT_URI = 'http://127.0.0.1:5000/cb'
const USER = { username: 'quinn', password: 'quinn-password-high-assurance' }
// Without DATABASE_URL and REDIS_URL (set for the PostgreSQL + Redis pass), which would win over --db.
const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env
const env = { ...inherited, TESSERA_SECRET: SECRET, TESSERA_LOG_LEVEL: 'error' }
const INSECURE = { execute: [client.allowInsecureRequests] }

const dir = mkdtempSync(join(tmpdir(), 'tessera-high-assurance-'))
const db = join(dir, 'tessera.db')
let serve: ServeProcess | undefined

function tessera(args: string[], input?: string): Record<string, unknown> {
  const result = spawnSync(process.execPath, [TESSERA_BIN, ...args, '--db', db, '--json'], { env, input, encoding: 'utf8', timeout: 30_000 })
  if (result.status !== 0) throw new Error(`tessera-oidc ${args.join(' ')}: ${result.stderr}`)
  return JSON.parse(result.stdout) as Record<string, unknown>
}

beforeAll(async () => {
  serve = await startServe(db, [], env)
}, TIMEOUT)
afterAll(async () => {
  await serve?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('openid-client v6 with PAR + DPoP + private_key_jwt against tessera-oidc serve', () => {
  it('pushes, signs in, gets DPoP-bound tokens, refreshes them and reads the demo API with proofs', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const kid = 'high-assurance-1'
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'ES256' }] }))
    const created = tessera(['client', 'create', '--name', 'High assurance app', '--redirect-uri', REDIRECT_URI,
      '--grant', 'authorization_code', '--grant', 'refresh_token', '--scope', 'openid offline_access notes:read',
      '--auth-method', 'private_key_jwt', '--jwks', join(dir, 'jwks.json'), '--auth-signing-alg', 'ES256',
      '--require-par', '--dpop-bound'])
    const clientId = String(created.client_id)
    tessera(['user', 'create', '--username', USER.username, '--password-stdin'], USER.password)

    const config = await client.discovery(new URL(serve?.url ?? ''), clientId, undefined, client.PrivateKeyJwt({ key: privateKey, kid }), INSECURE)
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
    const pkceCodeVerifier = client.randomPKCECodeVerifier()
    const state = client.randomState()
    const nonce = client.randomNonce()
    const parameters = {
      redirect_uri: REDIRECT_URI, scope: 'openid offline_access notes:read', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier), code_challenge_method: 'S256',
    }
    // The client must push: a plain authorization request of this client is refused (PR-07).
    expect((await fetch(client.buildAuthorizationUrl(config, parameters), { redirect: 'manual' })).status).toBe(400)
    const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, parameters, { DPoP })
    const callbackUrl = await signInThroughPages(authorizationUrl, REDIRECT_URI, USER)
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier, expectedState: state, expectedNonce: nonce }, undefined, { DPoP })
    expect(tokens.token_type.toLowerCase()).toBe('dpop')
    expect(tokens.claims()).toMatchObject({ iss: serve?.url, aud: clientId })

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '', undefined, { DPoP })
    expect(refreshed.token_type.toLowerCase()).toBe('dpop')
    const notes = await client.fetchProtectedResource(config, refreshed.access_token, new URL(`${serve?.url ?? ''}/api/notes`), 'GET', undefined, undefined, { DPoP })
    expect(notes.status).toBe(200)
    // Bound: the same token as a bearer token is refused.
    expect((await fetch(`${serve?.url ?? ''}/api/notes`, { headers: { authorization: `Bearer ${refreshed.access_token}` } })).status).toBe(401)
    // The client is registered DPoP-bound: a token request without a proof is refused.
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_dpop_proof' })
  }, TIMEOUT)
})
