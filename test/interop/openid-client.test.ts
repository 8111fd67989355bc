import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signInThroughPages } from '../helpers/http-client.js'
import { startTestServer, type TestClient, type TestServer, type TestUser } from '../helpers/tessera.js'

/**
 * Interop with an independent relying party: panva's `openid-client` v6 (on oauth4webapi) talks to Tessera over
 * real loopback HTTP. Everything it checks — issuer match in discovery, the `iss` authorization response
 * parameter (RFC 9207), state, PKCE, the ID token's signature, `aud`, `nonce` and `at_hash`, the UserInfo `sub` —
 * is its own code, not ours.
 */

const TIMEOUT = 30_000

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
})
afterAll(async () => {
  await server?.close()
})

/** The issuer is plain http on loopback; openid-client refuses that unless told. */
const INSECURE = { execute: [client.allowInsecureRequests] }

function authenticationFor(testClient: TestClient): client.ClientAuth {
  switch (testClient.method) {
    case 'client_secret_basic':
      return client.ClientSecretBasic(testClient.secret)
    case 'client_secret_post':
      return client.ClientSecretPost(testClient.secret)
    case 'none':
      return client.None()
    default:
      throw new Error(`no openid-client authentication for ${testClient.method}`)
  }
}

async function discover(testClient: TestClient): Promise<client.Configuration> {
  return client.discovery(new URL(server.url), testClient.id, testClient.secret, authenticationFor(testClient), INSECURE)
}


interface Session {
  config: client.Configuration
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers
}

/** Authorization code + PKCE (RFC 7636) with state and nonce, the way openid-client's documentation shows it. */
async function authorizationCodeFlow(testClient: TestClient, user: TestUser): Promise<Session> {
  const config = await discover(testClient)
  const pkceCodeVerifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: testClient.redirectUri,
    scope: 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  })
  const callbackUrl = await signInThroughPages(authorizationUrl, testClient.redirectUri, user)
  expect(callbackUrl.searchParams.get('iss')).toBe(server.url)
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier, expectedState: state, expectedNonce: nonce })
  return { config, tokens }
}

async function grantError(promise: Promise<unknown>): Promise<string | undefined> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(client.ResponseBodyError)
  return (error as client.ResponseBodyError).error
}

describe.each([
  { name: 'client_secret_basic', key: 'conf' },
  { name: 'client_secret_post', key: 'post' },
  { name: 'none (public client)', key: 'pub' },
] as const)('openid-client, $name', ({ key }) => {
  it(
    'discovers the server and checks the issuer',
    async () => {
      const config = await discover(server.clients[key])
      const metadata = config.serverMetadata()
      expect(metadata.issuer).toBe(server.url)
      expect(metadata.authorization_response_iss_parameter_supported).toBe(true)
      expect(metadata.code_challenge_methods_supported).toContain('S256')
    },
    TIMEOUT,
  )

  it(
    'completes authorization code + PKCE, validates the ID token and reads UserInfo',
    async () => {
      const alice = server.users.alice
      const { config, tokens } = await authorizationCodeFlow(server.clients[key], alice)
      expect(tokens.token_type.toLowerCase()).toBe('bearer')
      expect(tokens.refresh_token).toBeTypeOf('string')
      const claims = tokens.claims()
      expect(claims).toMatchObject({ iss: server.url, sub: alice.id, aud: server.clients[key].id })
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, alice.id)
      expect(userinfo).toMatchObject({ sub: alice.id, name: 'Alice Liddell', email: 'alice@example.com', email_verified: true })
    },
    TIMEOUT,
  )

  it(
    'rotates the refresh token on every use and rejects a rotated one',
    async () => {
      const { config, tokens } = await authorizationCodeFlow(server.clients[key], server.users.bob)
      const first = tokens.refresh_token ?? ''
      const second = await client.refreshTokenGrant(config, first)
      const third = await client.refreshTokenGrant(config, second.refresh_token ?? '')
      expect(second.refresh_token).toBeTypeOf('string')
      expect(third.refresh_token).toBeTypeOf('string')
      expect(new Set([first, second.refresh_token, third.refresh_token]).size).toBe(3)
      expect(third.claims()?.sub).toBe(server.users.bob.id)
      await expect(client.fetchUserInfo(config, third.access_token, server.users.bob.id)).resolves.toMatchObject({ sub: server.users.bob.id })
      // RFC 9700 §4.14.2: a rotated refresh token is dead, and presenting it again is answered with invalid_grant.
      expect(await grantError(client.refreshTokenGrant(config, first))).toBe('invalid_grant')
      expect(await grantError(client.refreshTokenGrant(config, second.refresh_token ?? ''))).toBe('invalid_grant')
      // The reuse is taken as theft: the newest token of the family is revoked with it.
      expect(await grantError(client.refreshTokenGrant(config, third.refresh_token ?? ''))).toBe('invalid_grant')
    },
    TIMEOUT,
  )

  it(
    'revokes a refresh token (RFC 7009)',
    async () => {
      const { config, tokens } = await authorizationCodeFlow(server.clients[key], server.users.alice)
      await client.tokenRevocation(config, tokens.refresh_token ?? '', { token_type_hint: 'refresh_token' })
      expect(await grantError(client.refreshTokenGrant(config, tokens.refresh_token ?? ''))).toBe('invalid_grant')
    },
    TIMEOUT,
  )
})

describe.each([
  { name: 'client_secret_basic', key: 'conf' },
  { name: 'client_secret_post', key: 'post' },
] as const)('openid-client introspection, $name', ({ key }) => {
  it(
    'introspects live tokens as active and revoked ones as inactive (RFC 7662, RFC 7009)',
    async () => {
      const alice = server.users.alice
      const { config, tokens } = await authorizationCodeFlow(server.clients[key], alice)
      const access = await client.tokenIntrospection(config, tokens.access_token)
      expect(access).toMatchObject({ active: true, client_id: server.clients[key].id, sub: alice.id, iss: server.url })
      expect(access.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'offline_access']))
      const refresh = await client.tokenIntrospection(config, tokens.refresh_token ?? '', { token_type_hint: 'refresh_token' })
      expect(refresh).toMatchObject({ active: true, client_id: server.clients[key].id, sub: alice.id })

      await client.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' })
      expect(await client.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false })
      // Revoking an access token leaves its refresh token alone.
      expect((await client.tokenIntrospection(config, tokens.refresh_token ?? '')).active).toBe(true)

      await client.tokenRevocation(config, tokens.refresh_token ?? '')
      expect(await client.tokenIntrospection(config, tokens.refresh_token ?? '')).toEqual({ active: false })
    },
    TIMEOUT,
  )

  it(
    'does not tell a client about another client’s token',
    async () => {
      const { tokens } = await authorizationCodeFlow(server.clients.other, server.users.alice)
      const config = await discover(server.clients[key])
      expect(await client.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false })
    },
    TIMEOUT,
  )
})

describe('openid-client, client credentials', () => {
  it(
    'obtains an API token for the m2m client and introspects it',
    async () => {
      const m2m = server.clients.m2m
      const config = await discover(m2m)
      const tokens = await client.clientCredentialsGrant(config, { scope: 'notes:read' })
      expect(tokens.token_type.toLowerCase()).toBe('bearer')
      expect(tokens.scope).toBe('notes:read')
      expect(tokens.refresh_token).toBeUndefined()
      expect(tokens.id_token).toBeUndefined()
      expect(await client.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true, client_id: m2m.id, sub: m2m.id, scope: 'notes:read' })
    },
    TIMEOUT,
  )

  it(
    'is refused a scope the client was not given',
    async () => {
      const config = await discover(server.clients.m2m)
      expect(await grantError(client.clientCredentialsGrant(config, { scope: 'notes:write' }))).toBe('invalid_scope')
    },
    TIMEOUT,
  )
})
