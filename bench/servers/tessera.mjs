// Tessera under test, from the built package (`dist/`, through its public entry points), composed as
// the standalone server composes it: Hono on `@hono/node-server`, `honoHandler(server)` for every path.
// Configuration comes as JSON in argv[2]: { store: 'memory' | 'sqlite', dbFile, accessTokenAlg,
// accessTokenFormat: 'jwt' (default) | 'opaque', idTokenAlg,
// adapter: 'hono' (default, as the standalone server) | 'node' (`tessera-oidc/adapters/node` on node:http),
// tokenExchange: true (the token exchange grant, the bench client allowed delegation),
// registration: true (open dynamic registration, its per-address limit raised for the one load generator) }.
import { createServer } from 'node:http'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createAuthorizationServer, createClient, createUser, deviceAuthorization, DEVICE_CODE_GRANT_TYPE, dynamicRegistration, pushedAuthorizationRequests, tokenExchange, TOKEN_EXCHANGE_GRANT_TYPE } from 'tessera-oidc/server'
import { createMemoryStore } from 'tessera-oidc/storage/memory'
import { openSqliteStore } from 'tessera-oidc/storage/sqlite'
import { honoHandler } from 'tessera-oidc/adapters/hono'
import { nodeHandler } from 'tessera-oidc/adapters/node'
// Internal helpers of the package: the same hashing and token generation the server uses.
import { randomToken, sha256 } from '../../dist/crypto/random.js'
import {
  API, API_SCOPES, CLIENT_ID, CLIENT_SCOPES, CLIENT_SECRET, CODE_CHALLENGE, NONCE, PASSWORD, REDIRECT_URI,
  SERVER_SECRET, USER_GRANT_SCOPES, USER_PROFILE, USERNAME, basicAuthorization,
} from '../lib/fixtures.mjs'
import { postForm, ready, serveControl } from './ipc.mjs'
import { dpopKey, dpopProofs } from '../lib/dpop-proofs.mjs'

const options = JSON.parse(process.argv[2] ?? '{}')
const now = () => Math.floor(Date.now() / 1000)

const store = options.store === 'sqlite' ? await openSqliteStore({ filename: options.dbFile }) : createMemoryStore()
let target
const handles = { handle: (request) => target.handle(request) }
let issuer
let nodeListener
const port = await new Promise((resolve) => {
  let http
  if (options.adapter === 'node') {
    http = createServer((req, res) => nodeListener(req, res)).listen(0, '127.0.0.1', () => resolve(http.address().port))
  } else {
    const app = new Hono()
    app.all('*', honoHandler(handles))
    http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port))
  }
  process.on('SIGTERM', () => {
    http.close(() => process.exit(0))
    http.closeAllConnections?.()
  })
})
issuer = `http://127.0.0.1:${port}`
nodeListener = nodeHandler(handles, issuer)
target = await createAuthorizationServer({
  issuer,
  store,
  secret: SERVER_SECRET,
  resources: [{ identifier: API, scopes: API_SCOPES }],
  // As `tessera-oidc serve` runs: PAR offered (not required), for the PAR row; the device flow for its polling row.
  capabilities: [
    pushedAuthorizationRequests(),
    deviceAuthorization(),
    ...(options.tokenExchange ? [tokenExchange({ clients: { [CLIENT_ID]: { delegation: true } } })] : []),
    ...(options.registration ? [dynamicRegistration({ policy: 'open', requestsPerAddress: 1_000_000_000 })] : []),
  ],
  ...(options.accessTokenAlg ? { accessTokenSigningAlg: options.accessTokenAlg } : {}),
  ...(options.accessTokenFormat ? { accessTokenFormat: options.accessTokenFormat } : {}),
})

await createClient(store, {
  name: 'Bench client',
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  redirectUris: [REDIRECT_URI],
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_CODE_GRANT_TYPE, ...(options.tokenExchange ? [TOKEN_EXCHANGE_GRANT_TYPE] : [])],
  scopes: CLIENT_SCOPES,
  authMethod: 'client_secret_basic',
  idTokenSignedResponseAlg: options.idTokenAlg ?? 'RS256',
}, now(), { registry: target.registry })
const user = await createUser(store, {
  username: USERNAME,
  password: PASSWORD,
  name: USER_PROFILE.name,
  givenName: USER_PROFILE.given_name,
  familyName: USER_PROFILE.family_name,
  email: USER_PROFILE.email,
  emailVerified: USER_PROFILE.email_verified,
}, now())

const dpop = await dpopKey()

/** A code as `issueCodeRedirect` stores it after a login and consent (only the hash is kept), bound to `dpopJkt` if given. */
async function saveCode(issuedAt, dpopJkt) {
  const code = randomToken(32)
  await store.codes.save({
    code_hash: sha256(code),
    client_id: CLIENT_ID,
    user_id: user.id,
    redirect_uri: REDIRECT_URI,
    scopes: USER_GRANT_SCOPES,
    resources: [API],
    nonce: NONCE,
    code_challenge: CODE_CHALLENGE,
    code_challenge_method: 'S256',
    auth_time: issuedAt,
    session_id: randomToken(16),
    grant_id: randomToken(16),
    expires_at: issuedAt + 60,
    consumed_at: null,
    ...(dpopJkt ? { dpop_jkt: dpopJkt } : {}),
  })
  return code
}

serveControl({
  // DPoP proofs for the token endpoint (client credentials bound to the key).
  async tokenProofs({ count }) {
    return dpopProofs(dpop, count, 'POST', `${issuer}/token`)
  },
  // DPoP proofs for the pushed authorization request endpoint (RFC 9449 §10.1).
  async parProofs({ count }) {
    return dpopProofs(dpop, count, 'POST', `${issuer}/par`)
  },
  // Codes a pushed request with a DPoP proof leads to (bound to the key, RFC 9449 §10), each with the proof of its exchange.
  async dpopCodes({ count }) {
    const issuedAt = now()
    const proofs = await dpopProofs(dpop, count, 'POST', `${issuer}/token`)
    const values = []
    for (const proof of proofs) values.push(`${await saveCode(issuedAt, dpop.jkt)}\t${proof}`)
    return values
  },
  async codes({ count }) {
    const issuedAt = now()
    const values = []
    for (let i = 0; i < count; i++) values.push(await saveCode(issuedAt))
    return values
  },
  // Refresh tokens as the authorization_code grant stores them: one family (grant) each.
  async refreshTokens({ count }) {
    const values = []
    const issuedAt = now()
    for (let i = 0; i < count; i++) {
      const token = randomToken(32)
      await store.refreshTokens.save({
        token_hash: sha256(token),
        grant_id: randomToken(16),
        client_id: CLIENT_ID,
        user_id: user.id,
        scopes: USER_GRANT_SCOPES,
        resources: [API],
        auth_time: issuedAt,
        session_id: randomToken(16),
        created_at: issuedAt,
        expires_at: issuedAt + 30 * 24 * 3600,
        consumed_at: null,
      })
      values.push(token)
    }
    return values
  },
  // Access tokens from the token endpoint itself (client credentials), in the configured format.
  async accessTokens({ count }) {
    const values = []
    for (let i = 0; i < count; i++) {
      const body = { grant_type: 'client_credentials', scope: 'notes:read', resource: API }
      values.push((await postForm(`${issuer}/token`, body, basicAuthorization())).access_token)
    }
    return values
  },
  // Device codes from the device authorization endpoint itself (RFC 8628 §3.2), each polled once while pending.
  async deviceCodes({ count }) {
    // A full run asks for ~90,000 (the poll answers at ~10,000/s); one at a time they took over a minute per run,
    // a fifth of the whole benchmark. In batches the server answers them as fast as it can.
    const values = []
    while (values.length < count) {
      const batch = Array.from({ length: Math.min(64, count - values.length) }, () =>
        postForm(`${issuer}/device_authorization`, { scope: 'notes:read', resource: API }, basicAuthorization()))
      for (const answer of await Promise.all(batch)) values.push(answer.device_code)
    }
    return values
  },
  async purge() {
    await store.purgeExpired(now())
  },
})
ready(port, { issuer })
