import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, generateKeyPair } from 'jose'
import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN, startServe, type ServeProcess } from '../helpers/cli.js'
import { SECRET } from '../helpers/tessera.js'

/**
 * Interop for JWT client authentication (issue 15): panva's openid-client v6 (its own assertion code, on
 * oauth4webapi, with `aud` = the issuer) gets client-credentials tokens with `private_key_jwt` and with
 * `client_secret_jwt` from the built `tessera-oidc serve`, clients registered with the CLI.
 */

const dir = mkdtempSync(join(tmpdir(), 'tessera-pkjwt-'))
const db = join(dir, 'tessera.db')
const env = { ...process.env, TESSERA_SECRET: SECRET, TESSERA_LOG_LEVEL: 'error' }
let serve: ServeProcess | undefined

function tessera(...args: string[]): Record<string, unknown> {
  const result = spawnSync(process.execPath, [TESSERA_BIN, ...args, '--db', db, '--json'], { env, encoding: 'utf8', timeout: 30_000 })
  if (result.status !== 0) throw new Error(`tessera-oidc ${args.join(' ')}: ${result.stderr}`)
  return JSON.parse(result.stdout) as Record<string, unknown>
}

beforeAll(async () => {
  serve = await startServe(db, [], env)
}, 60_000)
afterAll(async () => {
  await serve?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const INSECURE = { execute: [client.allowInsecureRequests] }

describe('openid-client v6 with JWT client authentication against tessera-oidc serve', () => {
  it('gets client-credentials tokens with private_key_jwt, and each assertion is single use', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const kid = 'interop-key-1'
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'ES256' }] }))
    const created = tessera('client', 'create', '--name', 'Reporting job', '--grant', 'client_credentials', '--scope', 'notes:read',
      '--auth-method', 'private_key_jwt', '--jwks', join(dir, 'jwks.json'), '--auth-signing-alg', 'ES256')
    expect(created.client_secret).toBeNull()
    const clientId = String(created.client_id)

    const config = await client.discovery(new URL(serve?.url ?? ''), clientId, undefined, client.PrivateKeyJwt({ key: privateKey, kid }), INSECURE)
    expect(config.serverMetadata().token_endpoint_auth_methods_supported).toContain('private_key_jwt')
    for (let i = 0; i < 2; i++) {
      const tokens = await client.clientCredentialsGrant(config, { scope: 'notes:read' })
      expect(tokens.access_token).toBeTypeOf('string')
      expect(tokens.token_type.toLowerCase()).toBe('bearer')
    }

    // A key that is not the client's is refused: 401 invalid_client (openid-client reports the challenge).
    const { privateKey: otherKey } = await generateKeyPair('ES256', { extractable: true })
    const impostor = await client.discovery(new URL(serve?.url ?? ''), clientId, undefined, client.PrivateKeyJwt({ key: otherKey, kid }), INSECURE)
    await expect(client.clientCredentialsGrant(impostor, { scope: 'notes:read' })).rejects.toMatchObject({ status: 401 })
  })

  it('gets client-credentials tokens with client_secret_jwt', async () => {
    const created = tessera('client', 'create', '--name', 'Shared-secret job', '--grant', 'client_credentials', '--scope', 'notes:read', '--auth-method', 'client_secret_jwt')
    const config = await client.discovery(new URL(serve?.url ?? ''), String(created.client_id), String(created.client_secret), client.ClientSecretJwt(String(created.client_secret)), INSECURE)
    const tokens = await client.clientCredentialsGrant(config, { scope: 'notes:read' })
    expect(tokens.access_token).toBeTypeOf('string')
    // The secret survives a rotation by the CLI, sealed again: the old one stops working.
    const rotated = tessera('client', 'rotate-secret', '--id', String(created.client_id))
    await expect(client.clientCredentialsGrant(config, { scope: 'notes:read' })).rejects.toMatchObject({ status: 401 })
    const renewed = await client.discovery(new URL(serve?.url ?? ''), String(created.client_id), String(rotated.client_secret), client.ClientSecretJwt(String(rotated.client_secret)), INSECURE)
    expect((await client.clientCredentialsGrant(renewed, { scope: 'notes:read' })).access_token).toBeTypeOf('string')
  })
})
