import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import { signInThroughPages } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'
import { startServeProcess } from '../security/helpers.js'

/**
 * DPoP interop (RFC 9449) with panva's `openid-client` v6: its own proofs (`getDPoPHandle`), its own `ath`,
 * its own nonce handling, against Tessera's token endpoint and the demo notes API over real loopback HTTP.
 */

const TIMEOUT = 30_000
const INSECURE = { execute: [client.allowInsecureRequests] }

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
})
afterAll(async () => {
  await server?.close()
})

describe('openid-client v6 with DPoP', () => {
  it('gets a DPoP-bound token with client credentials and calls the demo API with proofs', async () => {
    const { m2m } = server.clients
    const config = await client.discovery(new URL(server.url), m2m.id, m2m.secret, client.ClientSecretBasic(m2m.secret), INSECURE)
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
    const tokens = await client.clientCredentialsGrant(config, { scope: 'notes:read' }, { DPoP })
    expect(tokens.token_type.toLowerCase()).toBe('dpop')
    const notes = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${server.url}/api/notes`), 'GET', undefined, undefined, { DPoP })
    expect(notes.status).toBe(200)
    expect(await notes.json()).toEqual({ notes: [] })

    // The same token without its key is refused: it is no bearer token (RFC 9449 §7.2).
    const asBearer = await fetch(`${server.url}/api/notes`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    expect(asBearer.status).toBe(401)
    // Another key's proofs do not match the token's cnf.jkt.
    const thief = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
    const stolen = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${server.url}/api/notes`), 'GET', undefined, undefined, { DPoP: thief }).catch((error: unknown) => error)
    expect(stolen instanceof Response ? stolen.status : (stolen as { status?: number }).status).toBe(401)
  }, TIMEOUT)

  it('completes the code flow with DPoP for a public client, refreshes the bound token and reads userinfo', async () => {
    const { pub } = server.clients
    const config = await client.discovery(new URL(server.url), pub.id, undefined, client.None(), INSECURE)
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
    const pkceCodeVerifier = client.randomPKCECodeVerifier()
    const state = client.randomState()
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: pub.redirectUri,
      scope: 'openid offline_access notes:read',
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      state,
      dpop_jkt: await DPoP.calculateThumbprint(),
    })
    const callbackUrl = await signInThroughPages(authorizationUrl, pub.redirectUri, server.users.alice)
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier, expectedState: state }, undefined, { DPoP })
    expect(tokens.token_type.toLowerCase()).toBe('dpop')
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '', undefined, { DPoP })
    expect(refreshed.token_type.toLowerCase()).toBe('dpop')
    const claims = await client.fetchUserInfo(config, refreshed.access_token, tokens.claims()?.sub ?? '', { DPoP })
    expect(claims.sub).toBe(server.users.alice.id)
  }, TIMEOUT)
})

describe('openid-client v6 with DPoP against tessera-oidc serve (needs the build: npx tsc -p tsconfig.build.json)', () => {
  it('gets a DPoP-bound token with client credentials and reads the demo API with proofs', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'tessera-dpop-'))
    const filename = join(directory, 'serve.db')
    const store = await openSqliteStore({ filename })
    const { clientSecret } = await createClient(store, {
      name: 'DPoP machine', clientId: 'm2m-dpop', authMethod: 'client_secret_basic', redirectUris: [], postLogoutRedirectUris: [],
      grantTypes: ['client_credentials'], scopes: ['notes:read'],
    }, Math.floor(Date.now() / 1000))
    await store.close()
    const serve = await startServeProcess(filename)
    try {
      const config = await client.discovery(new URL(serve.url), 'm2m-dpop', clientSecret, client.ClientSecretBasic(clientSecret), INSECURE)
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
      const tokens = await client.clientCredentialsGrant(config, { scope: 'notes:read' }, { DPoP })
      expect(tokens.token_type.toLowerCase()).toBe('dpop')
      const notes = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${serve.url}/api/notes`), 'GET', undefined, undefined, { DPoP })
      expect(notes.status).toBe(200)
      const asBearer = await fetch(`${serve.url}/api/notes`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
      expect(asBearer.status).toBe(401)
    } finally {
      await serve.kill()
      rmSync(directory, { recursive: true, force: true })
    }
  }, TIMEOUT)
})
