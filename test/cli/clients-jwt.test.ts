import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN } from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-jwt-'))
const db = join(dir, 'tessera.db')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function tessera(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [TESSERA_BIN, ...args, '--db', db], { env: { ...process.env, TESSERA_LOG_LEVEL: 'error' }, encoding: 'utf8', timeout: 30_000 })
}

const EC = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pOyStikYjKIWI5a0', kid: 'k1' }

describe('tessera-oidc client with JWT client authentication (issue 15)', () => {
  it('creates a private_key_jwt client from a JWKS file, updates its keys and flags, and refuses private keys', () => {
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [EC] }))
    writeFileSync(join(dir, 'private.json'), JSON.stringify({ keys: [{ ...EC, d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI' }] }))
    const created = tessera('client', 'create', '--name', 'Job', '--grant', 'client_credentials', '--auth-method', 'private_key_jwt', '--jwks', join(dir, 'jwks.json'), '--json')
    expect(created.status, created.stderr).toBe(0)
    const { client_id: id, client_secret: secret } = JSON.parse(created.stdout) as { client_id: string; client_secret: string | null }
    expect(secret).toBeNull()

    const updated = tessera('client', 'update', `--id=${id}`, '--jwks-uri', 'https://job.example/jwks', '--auth-signing-alg', 'ES256', '--require-par', '--dpop-bound', '--json')
    expect(updated.status, updated.stderr).toBe(0)
    expect(JSON.parse(updated.stdout)).toMatchObject({
      jwks: null, jwks_uri: 'https://job.example/jwks', token_endpoint_auth_signing_alg: 'ES256', require_pushed_authorization_requests: true, dpop_bound_access_tokens: true,
    })
    const cleared = tessera('client', 'update', `--id=${id}`, '--no-require-par', '--json')
    expect(JSON.parse(cleared.stdout)).toMatchObject({ require_pushed_authorization_requests: false, dpop_bound_access_tokens: true })

    // RFC 9101 §10.5: the JAR flag and algorithm, persisted (migration 0010) and cleared again.
    const signed = tessera('client', 'update', `--id=${id}`, '--require-signed-request-object', '--request-object-alg', 'PS256', '--json')
    expect(signed.status, signed.stderr).toBe(0)
    expect(JSON.parse(signed.stdout)).toMatchObject({ require_signed_request_object: true, request_object_signing_alg: 'PS256' })
    const unsigned = tessera('client', 'update', `--id=${id}`, '--no-require-signed-request-object', '--request-object-alg', '', '--json')
    expect(JSON.parse(unsigned.stdout)).toMatchObject({ require_signed_request_object: false, request_object_signing_alg: null })
    const hmac = tessera('client', 'update', `--id=${id}`, '--request-object-alg', 'HS256')
    expect(hmac.status).toBe(2)
    expect(hmac.stderr).toMatch(/RS256, PS256, ES256, EdDSA/)
    const created2 = tessera('client', 'create', '--name', 'Signer', '--redirect-uri', 'https://signer.example/cb', '--jwks', join(dir, 'jwks.json'), '--require-signed-request-object', '--json')
    expect(created2.status, created2.stderr).toBe(0)

    const refused = tessera('client', 'create', '--name', 'Leaky', '--grant', 'client_credentials', '--auth-method', 'private_key_jwt', '--jwks', join(dir, 'private.json'))
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(/public/)
    expect(refused.stderr).not.toMatch(/\n\s+at /)
    const listed = tessera('client', 'list', '--json')
    expect(listed.stdout).not.toContain('client_secret_sealed')
  }, 60_000)
})
