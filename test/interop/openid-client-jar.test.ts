import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, generateKeyPair } from 'jose'
import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient, createUser } from '../../src/server/admin.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import { startServe, type ServeProcess } from '../helpers/cli.js'
import { Browser, signInThroughPages } from '../helpers/http-client.js'

/**
 * Interop for JWT-secured authorization requests (RFC 9101): panva's `openid-client` v6 signs its request
 * objects with `buildAuthorizationUrlWithJAR` — alone, and pushed with `buildAuthorizationUrlWithPAR` — for
 * the built `tessera-oidc serve --require-signed-request-object`, and completes the code flow; the request
 * object (claims, `typ`, signature) and the ID token validation are its own code. The client, registered with
 * the public half of its ES256 key, and the user are written to the SQLite file before the server starts.
 */

const TIMEOUT = 30_000
const REDIRECT_URI = 'http://127.0.0.1:5000/cb'
const USER = { username: 'jo', password: 'jo-password-for-jar' }
// Without DATABASE_URL and REDIS_URL (set for the PostgreSQL + Redis pass), which would win over --db.
const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env
const env = { ...inherited, TESSERA_SECRET: 'jar-interop-secret-jar-interop-secret-0123', TESSERA_LOG_LEVEL: 'warn' }
const CLIENT_ID = 'jar-conf'

const keys = await generateKeyPair('ES256')
const signingKey: client.PrivateKey = { key: keys.privateKey, kid: 'jar-interop' }

let dir: string
let serve: ServeProcess
let secret: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-jar-'))
  const db = join(dir, 'tessera.db')
  const store = await openSqliteStore({ filename: db })
  const now = Math.floor(Date.now() / 1000)
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'jar-interop', alg: 'ES256', use: 'sig' }
  const created = await createClient(store, {
    name: 'JAR conf', clientId: CLIENT_ID, authMethod: 'client_secret_basic', redirectUris: [REDIRECT_URI],
    grantTypes: ['authorization_code'], scopes: ['openid', 'profile'], jwks: { keys: [jwk] },
  }, now)
  secret = created.clientSecret ?? ''
  await createUser(store, { ...USER, name: 'Jo' }, now)
  await store.close()
  serve = await startServe(db, ['--require-signed-request-object'], env, { demo: false })
}, TIMEOUT)
afterAll(async () => {
  await serve?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const INSECURE = { execute: [client.allowInsecureRequests] }

async function request(): Promise<{ parameters: Record<string, string>; pkceCodeVerifier: string; state: string; nonce: string }> {
  const pkceCodeVerifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const parameters = {
    redirect_uri: REDIRECT_URI, scope: 'openid profile', state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier), code_challenge_method: 'S256',
  }
  return { parameters, pkceCodeVerifier, state, nonce }
}

describe('openid-client with JAR against tessera-oidc serve --require-signed-request-object', () => {
  it(
    'signs the request object, signs in and validates the tokens; the same object is not accepted twice',
    async () => {
      const config = await client.discovery(new URL(serve.url), CLIENT_ID, secret, client.ClientSecretBasic(secret), INSECURE)
      const metadata = config.serverMetadata()
      expect(metadata.request_parameter_supported).toBe(true)
      expect(metadata.require_signed_request_object).toBe(true)
      expect(metadata.request_object_signing_alg_values_supported).toContain('ES256')
      const { parameters, pkceCodeVerifier, state, nonce } = await request()
      const authorizationUrl = await client.buildAuthorizationUrlWithJAR(config, parameters, signingKey)
      expect(authorizationUrl.searchParams.has('request')).toBe(true)
      expect(authorizationUrl.searchParams.has('redirect_uri')).toBe(false)
      const callbackUrl = await signInThroughPages(authorizationUrl, REDIRECT_URI, USER)
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier, expectedState: state, expectedNonce: nonce })
      expect(tokens.claims()).toMatchObject({ iss: serve.url, aud: CLIENT_ID })
      // openid-client puts a jti in every object: a replay is refused before any page.
      const again = await new Browser().get(authorizationUrl.href)
      expect(again.status).toBe(400)
      expect(again.headers.get('location')).toBeNull()
    },
    TIMEOUT,
  )

  it(
    'pushes the signed request object (JAR with PAR) and completes the flow through the request_uri',
    async () => {
      const config = await client.discovery(new URL(serve.url), CLIENT_ID, secret, client.ClientSecretBasic(secret), INSECURE)
      const { parameters, pkceCodeVerifier, state, nonce } = await request()
      const { searchParams } = await client.buildAuthorizationUrlWithJAR(config, parameters, signingKey)
      const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, searchParams)
      expect(authorizationUrl.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/)
      const callbackUrl = await signInThroughPages(authorizationUrl, REDIRECT_URI, USER)
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier, expectedState: state, expectedNonce: nonce })
      expect(tokens.claims()).toMatchObject({ iss: serve.url, aud: CLIENT_ID })
    },
    TIMEOUT,
  )

  it(
    'cannot start an unsigned request, plain or pushed',
    async () => {
      const config = await client.discovery(new URL(serve.url), CLIENT_ID, secret, client.ClientSecretBasic(secret), INSECURE)
      const { parameters } = await request()
      const plain = await new Browser().get(client.buildAuthorizationUrl(config, parameters).href)
      expect(plain.status).toBe(400)
      expect(plain.headers.get('location')).toBeNull()
      await expect(client.buildAuthorizationUrlWithPAR(config, parameters)).rejects.toMatchObject({ error: 'invalid_request' })
    },
    TIMEOUT,
  )
})
