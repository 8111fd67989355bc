import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dpopKey, dpopProof } from '../helpers/dpop.js'
import { TESSERA_BIN as BIN, startServe } from '../helpers/cli.js'

// Black-box: the built command's DPoP switches (flags and config-file keys) and the JWT-bearer grant's trusted
// issuers from the configuration file, with a client made by `tessera-oidc client create --grant jwt-bearer`.
const run = promisify(execFile)
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-dpop-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function createM2m(db: string, extra: string[] = []): Promise<{ client_id: string; client_secret: string }> {
  const { stdout } = await run(process.execPath, [BIN, 'client', 'create', '--db', db, '--name', 'm2m', '--grant', 'client_credentials', '--scope', 'notes:read', '--json', ...extra], { env })
  return JSON.parse(stdout) as { client_id: string; client_secret: string }
}

function tokenRequest(url: string, client: { client_id: string; client_secret: string }, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`, ...headers },
    body: new URLSearchParams(form),
  })
}

describe('tessera-oidc serve --require-dpop, --dpop-nonces', () => {
  it('--require-dpop: a token request without a proof is refused, one with a proof gets a DPoP token', async () => {
    const db = join(dir, 'require.db')
    const client = await createM2m(db)
    const serve = await startServe(db, ['--require-dpop'], env)
    try {
      expect(serve.output()).toMatch(/DPoP proofs required/)
      const bare = await tokenRequest(serve.url, client, { grant_type: 'client_credentials' })
      expect(bare.status).toBe(400)
      expect(await bare.json()).toMatchObject({ error: 'invalid_dpop_proof' })
      const key = await dpopKey()
      const bound = await tokenRequest(serve.url, client, { grant_type: 'client_credentials' }, { dpop: await dpopProof(key, { htm: 'POST', htu: `${serve.url}/token` }) })
      expect(await bound.json()).toMatchObject({ token_type: 'DPoP' })
    } finally {
      await serve.stop()
    }
  })

  it('without the switch a proof stays optional', async () => {
    const db = join(dir, 'optional.db')
    const client = await createM2m(db)
    const serve = await startServe(db, [], env)
    try {
      expect(await (await tokenRequest(serve.url, client, { grant_type: 'client_credentials' })).json()).toMatchObject({ token_type: 'Bearer' })
    } finally {
      await serve.stop()
    }
  })

  it('dpop.required and dpop.nonces from the config file: a proof without the server nonce gets use_dpop_nonce and the nonce', async () => {
    const db = join(dir, 'nonces.db')
    const client = await createM2m(db)
    const file = join(dir, 'dpop.json')
    writeFileSync(file, JSON.stringify({ dpop: { required: true, nonces: true } }))
    const serve = await startServe(db, ['--config', file], env)
    try {
      expect(serve.output()).toMatch(/DPoP nonces required/)
      const key = await dpopKey()
      const htu = `${serve.url}/token`
      const first = await tokenRequest(serve.url, client, { grant_type: 'client_credentials' }, { dpop: await dpopProof(key, { htm: 'POST', htu }) })
      expect(first.status).toBe(400)
      expect(await first.json()).toMatchObject({ error: 'use_dpop_nonce' })
      const nonce = first.headers.get('dpop-nonce')
      expect(nonce).toBeTruthy()
      const second = await tokenRequest(serve.url, client, { grant_type: 'client_credentials' }, { dpop: await dpopProof(key, { htm: 'POST', htu, nonce: nonce ?? '' }) })
      expect(await second.json()).toMatchObject({ token_type: 'DPoP' })
      expect((await tokenRequest(serve.url, client, { grant_type: 'client_credentials' })).status).toBe(400)
    } finally {
      await serve.stop()
    }
  })
})

describe('tessera-oidc serve with jwtBearer in the config file', () => {
  it('exchanges a trusted issuer\'s assertion from a client created with --grant jwt-bearer', async () => {
    const db = join(dir, 'jwt-bearer.db')
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const kid = randomUUID()
    const file = join(dir, 'jwt-bearer.json')
    const { stdout } = await run(process.execPath, [BIN, 'client', 'create', '--db', db, '--name', 'wiki', '--grant', 'jwt-bearer', '--scope', 'notes:read', '--json'], { env })
    const client = JSON.parse(stdout) as { client_id: string; client_secret: string; grant_types: string[] }
    await run(process.execPath, [BIN, 'user', 'create', '--db', db, '--username', 'carol', '--password', 'carol-password-123'], { env })
    expect(client.grant_types).toEqual(['urn:ietf:params:oauth:grant-type:jwt-bearer'])
    writeFileSync(file, JSON.stringify({ jwtBearer: { issuers: [{ issuer: 'https://idp.test', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid }] }, clients: [client.client_id], subject: { match: 'username' } }] } }))
    const serve = await startServe(db, ['--config', file], env)
    try {
      const metadata = (await (await fetch(`${serve.url}/.well-known/openid-configuration`)).json()) as { grant_types_supported: string[] }
      expect(metadata.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:jwt-bearer')
      const t = Math.floor(Date.now() / 1000)
      const assertion = await new SignJWT({ iss: 'https://idp.test', sub: 'carol', aud: serve.url, jti: randomUUID(), iat: t, exp: t + 60 })
        .setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey)
      const answer = await tokenRequest(serve.url, client, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion })
      expect(await answer.json()).toMatchObject({ token_type: 'Bearer', scope: 'notes:read' })
      const replay = await tokenRequest(serve.url, client, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion })
      expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })
    } finally {
      await serve.stop()
    }
  })
})

describe('tessera-oidc client create --profile fapi2', () => {
  it('creates a client with the profile\'s settings, and update refuses to weaken it', async () => {
    const db = join(dir, 'fapi2-client.db')
    const { publicKey } = await generateKeyPair('ES256', { extractable: true })
    const jwks = join(dir, 'fapi2-client.jwks.json')
    writeFileSync(jwks, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] }))
    const { stdout } = await run(process.execPath, [BIN, 'client', 'create', '--db', db, '--name', 'bank', '--redirect-uri', 'https://bank.example/cb', '--profile', 'fapi2', '--jwks', jwks, '--json'], { env })
    const created = JSON.parse(stdout) as { client_id: string; token_endpoint_auth_method: string }
    expect(created.token_endpoint_auth_method).toBe('private_key_jwt')
    const listed = JSON.parse((await run(process.execPath, [BIN, 'client', 'list', '--db', db, '--json'], { env })).stdout) as Array<Record<string, unknown>>
    expect(listed[0]).toMatchObject({ require_pushed_authorization_requests: true, dpop_bound_access_tokens: true, token_endpoint_auth_signing_alg: 'ES256', id_token_signed_response_alg: 'ES256' })
    const weakened = await run(process.execPath, [BIN, 'client', 'update', '--db', db, '--id', created.client_id, '--no-dpop-bound'], { env }).catch((error: unknown) => error as { code: number; stderr: string })
    expect(weakened).toMatchObject({ code: 2 })
    expect((weakened as { stderr: string }).stderr).toMatch(/FAPI 2\.0 client: .*DPoP/)
    const secret = await run(process.execPath, [BIN, 'client', 'create', '--db', db, '--name', 'x', '--profile', 'fapi2', '--auth-method', 'client_secret_basic'], { env }).catch((error: unknown) => error as { code: number; stderr: string })
    expect((secret as { stderr: string }).stderr).toMatch(/--profile fapi2: .*private_key_jwt/)
  })
})
