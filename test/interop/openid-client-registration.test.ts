import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInitialAccessToken, dynamicRegistration } from '../../src/server/rfc7591/index.js'
import { signInThroughPages } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'

/**
 * Interop of dynamic client registration (RFC 7591) with panva's `openid-client` v6: its
 * `dynamicClientRegistration` registers against `tessera-oidc serve`'s server (token policy, with an initial access
 * token from the same function `tessera-oidc registration token create` calls) and the registered client completes
 * the authorization code flow with PKCE, its own checks of the ID token included.
 */

const TIMEOUT = 30_000
const INSECURE = { execute: [client.allowInsecureRequests] }

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ store: 'memory', capabilities: [dynamicRegistration({ policy: 'token' })] })
})
afterAll(async () => {
  await server?.close()
})

async function initialAccessToken(): Promise<string> {
  return (await createInitialAccessToken(server.store, { now: Math.floor(Date.now() / 1000), expiresIn: 600 })).token
}


describe.each([
  { name: 'a public native client (none, loopback redirect, no application_type)', auth: () => client.None(), metadata: { token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:51234/callback'] } },
  { name: 'a confidential client (client_secret_basic)', auth: () => client.ClientSecretBasic(), metadata: { token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['http://127.0.0.1:51235/callback'] } },
])('openid-client dynamicClientRegistration, $name', ({ auth, metadata }) => {
  it(
    'registers and completes authorization code + PKCE',
    async () => {
      const redirectUri = metadata.redirect_uris[0] ?? ''
      const config = await client.dynamicClientRegistration(
        new URL(server.url),
        { ...metadata, client_name: 'openid-client interop', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: 'openid profile email offline_access' },
        auth?.(),
        { ...INSECURE, initialAccessToken: await initialAccessToken() },
      )
      const registered = config.clientMetadata()
      expect(registered.client_id).toBeTypeOf('string')
      expect(registered.registration_access_token).toBeTypeOf('string')
      const verifier = client.randomPKCECodeVerifier()
      const state = client.randomState()
      const nonce = client.randomNonce()
      const authorizationUrl = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri, scope: 'openid profile email offline_access', prompt: 'consent',
        code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce,
      })
      const callback = await signInThroughPages(authorizationUrl, redirectUri, server.users.alice)
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce })
      expect(tokens.claims()).toMatchObject({ iss: server.url, sub: server.users.alice.id, aud: registered.client_id })
      expect(tokens.refresh_token).toBeTypeOf('string')
    },
    TIMEOUT,
  )
})

it('openid-client dynamicClientRegistration without an initial access token is refused', async () => {
  await expect(client.dynamicClientRegistration(new URL(server.url), { redirect_uris: ['http://127.0.0.1:51236/callback'] }, undefined, INSECURE)).rejects.toThrow()
}, TIMEOUT)
