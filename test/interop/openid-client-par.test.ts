import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient, createUser, type NewClientInput } from '../../src/server/admin.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import { startServe, type ServeProcess } from '../helpers/cli.js'
import { Browser, signInThroughPages } from '../helpers/http-client.js'

/**
 * Interop for pushed authorization requests (RFC 9126): panva's `openid-client` v6 pushes its request with
 * `buildAuthorizationUrlWithPAR` to the built `tessera-oidc serve --require-par` and completes the code flow
 * through the `request_uri`; the request building, the PAR response checks and the ID token validation are
 * its own code. The clients and the user are written to the SQLite file before the server starts.
 */

const TIMEOUT = 30_000
const REDIRECT_URI = 'http://127.0.0.1:5000/cb'
const USER = { username: 'pat', password: 'pat-password-for-par' }
// Without DATABASE_URL and REDIS_URL (set for the PostgreSQL + Redis pass), which would win over --db.
const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env
const env = { ...inherited, TESSERA_SECRET: 'par-interop-secret-par-interop-secret-0123', TESSERA_LOG_LEVEL: 'warn' }

let dir: string
let serve: ServeProcess
let confSecret: string

async function seed(file: string): Promise<void> {
  const store = await openSqliteStore({ filename: file })
  const now = Math.floor(Date.now() / 1000)
  const common: Pick<NewClientInput, 'redirectUris' | 'grantTypes' | 'scopes'> = { redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'offline_access'] }
  const conf = await createClient(store, { ...common, name: 'PAR conf', clientId: 'par-conf', authMethod: 'client_secret_basic' }, now)
  confSecret = conf.clientSecret ?? ''
  await createClient(store, { ...common, name: 'PAR pub', clientId: 'par-pub', authMethod: 'none' }, now)
  await createUser(store, { ...USER, name: 'Pat' }, now)
  await store.close()
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-par-'))
  const db = join(dir, 'tessera.db')
  await seed(db)
  serve = await startServe(db, ['--require-par'], env, { demo: false })
}, TIMEOUT)
afterAll(async () => {
  await serve?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const INSECURE = { execute: [client.allowInsecureRequests] }

describe.each([
  { name: 'client_secret_basic', id: 'par-conf', auth: () => client.ClientSecretBasic(confSecret), secret: () => confSecret },
  { name: 'none (public client)', id: 'par-pub', auth: () => client.None(), secret: () => undefined },
])('openid-client with PAR against tessera-oidc serve --require-par, $name', ({ id, auth, secret }) => {
  it(
    'pushes the request, signs in through the request_uri and validates the tokens',
    async () => {
      const config = await client.discovery(new URL(serve.url), id, secret(), auth(), INSECURE)
      const metadata = config.serverMetadata()
      expect(metadata.pushed_authorization_request_endpoint).toBe(`${serve.url}/par`)
      expect(metadata.require_pushed_authorization_requests).toBe(true)
      const pkceCodeVerifier = client.randomPKCECodeVerifier()
      const state = client.randomState()
      const nonce = client.randomNonce()
      const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: REDIRECT_URI, scope: 'openid profile offline_access', state, nonce,
        code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier), code_challenge_method: 'S256',
      })
      expect(authorizationUrl.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/)
      expect(authorizationUrl.searchParams.has('redirect_uri')).toBe(false)
      const callbackUrl = await signInThroughPages(authorizationUrl, REDIRECT_URI, USER)
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier, expectedState: state, expectedNonce: nonce })
      expect(tokens.claims()).toMatchObject({ iss: serve.url, aud: id })
      expect(tokens.refresh_token).toBeTypeOf('string')
      // The request_uri was used up by the first visit.
      const again = await new Browser().get(authorizationUrl.href)
      expect(again.status).toBe(400)
      expect(again.headers.get('location')).toBeNull()
    },
    TIMEOUT,
  )

  it(
    'cannot start a plain authorization request',
    async () => {
      const config = await client.discovery(new URL(serve.url), id, secret(), auth(), INSECURE)
      const plain = client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI, scope: 'openid', state: client.randomState(),
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
      })
      const response = await new Browser().get(plain.href)
      expect(response.status).toBe(400)
      expect(response.headers.get('location')).toBeNull()
    },
    TIMEOUT,
  )
})

describe('tessera-oidc serve configuration of PAR', () => {
  it(
    'offers PAR without requiring it by default, and requires it from the configuration file',
    async () => {
      const plain = await startServe(join(dir, 'plain.db'), [], env, { demo: false })
      try {
        const metadata = (await (await fetch(`${plain.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
        expect(metadata.pushed_authorization_request_endpoint).toBe(`${plain.url}/par`)
        expect(metadata.require_pushed_authorization_requests).toBe(false)
      } finally {
        await plain.stop()
      }
      const file = join(dir, 'tessera.config.json')
      writeFileSync(file, JSON.stringify({ pushedAuthorizationRequests: { required: true } }))
      const configured = await startServe(join(dir, 'configured.db'), ['--config', file], env, { demo: false })
      try {
        const metadata = (await (await fetch(`${configured.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
        expect(metadata.require_pushed_authorization_requests).toBe(true)
      } finally {
        await configured.stop()
      }
    },
    TIMEOUT,
  )
})
