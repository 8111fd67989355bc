// panva's oidc-provider configured like the Tessera server under test: the same client, user, API
// (resource indicator), token lifetimes, PKCE always, refresh-token rotation on every use, RS256 ID
// tokens, and an in-memory store. Its bundled memory adapter is an LRU of 1,000 entries (it would evict
// prepared codes), so the same adapter runs over a plain Map with the same expiry semantics.
// Configuration as JSON in argv[2]: { accessTokenFormat: 'jwt' | 'opaque', accessTokenAlg, idTokenAlg,
// dpop: true (DPoP and PAR switched on, for the DPoP rows; Tessera always has both),
// registration: true (open dynamic registration, RFC 7591) }.
import { createServer } from 'node:http'
import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'
import { exportJWK, generateKeyPair } from 'jose'
import Provider from 'oidc-provider'
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js'
import { ARGON2_PARAMETERS } from '../../dist/crypto/passwords.js'
import {
  API, CLIENT_ID, CLIENT_SECRET, CODE_CHALLENGE, NONCE, PASSWORD, REDIRECT_URI, SERVER_SECRET,
  USER_GRANT_SCOPES, USER_PROFILE, USERNAME, basicAuthorization,
} from '../lib/fixtures.mjs'
import { postForm, ready, serveControl } from './ipc.mjs'
import { handleInteraction } from './oidc-provider-interactions.mjs'
import { dpopKey, dpopProofs } from '../lib/dpop-proofs.mjs'

const options = JSON.parse(process.argv[2] ?? '{}')
const format = options.accessTokenFormat ?? 'jwt'
const alg = options.accessTokenAlg ?? 'ES256'
const now = () => Math.floor(Date.now() / 1000)

/** The LRU's interface (get / set with maxAge / delete) without eviction. */
class MapStorage {
  #entries = new Map()
  get(key) {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (entry.expiry !== undefined && entry.expiry <= Date.now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.value
  }
  set(key, value, { maxAge } = {}) {
    const expiry = typeof maxAge === 'number' && maxAge !== Number.POSITIVE_INFINITY ? Date.now() + maxAge : undefined
    this.#entries.set(key, { value, expiry })
    return this
  }
  delete(key) {
    this.#entries.delete(key)
  }
  /** Drops expired entries, as Tessera's `purgeExpired` does between runs. */
  purge() {
    const now = Date.now()
    for (const [key, entry] of this.#entries) if (entry.expiry !== undefined && entry.expiry <= now) this.#entries.delete(key)
  }
}
const storage = new MapStorage()

async function privateJwk(algorithm) {
  const { privateKey } = await generateKeyPair(algorithm, { extractable: true })
  return { ...(await exportJWK(privateKey)), alg: algorithm, use: 'sig', kid: `${algorithm}-${randomBytes(4).toString('hex')}` }
}

const USER_ID = 'c0ffee00-0000-4000-8000-00000000bench'
const passwordHash = await argon2.hash(PASSWORD, ARGON2_PARAMETERS)
const users = new Map([[USERNAME, { id: USER_ID, passwordHash }]])

const http = createServer()
const port = await new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve(http.address().port)))
process.on('SIGTERM', () => {
  http.close(() => process.exit(0))
  http.closeAllConnections()
})
const issuer = `http://127.0.0.1:${port}`

const provider = new Provider(issuer, {
  adapter: (name) => new MemoryAdapter(name, storage),
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    client_name: 'Bench client',
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: options.idTokenAlg ?? 'RS256',
    scope: 'openid profile email offline_access notes:read notes:write',
  }],
  jwks: { keys: [await privateJwk('RS256'), await privateJwk('ES256')] },
  cookies: { keys: [SERVER_SECRET] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'family_name', 'given_name', 'picture', 'updated_at', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'offline_access', 'notes:read', 'notes:write'],
  async findAccount(_ctx, id) {
    if (id !== USER_ID) return undefined
    return { accountId: id, claims: async () => ({ sub: id, preferred_username: USERNAME, ...USER_PROFILE }) }
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    ...(options.dpop ? { dPoP: { enabled: true }, pushedAuthorizationRequests: { enabled: true } } : {}),
    ...(options.registration ? { registration: { enabled: true } } : {}),
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => API,
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope: 'notes:read notes:write',
        audience: API,
        accessTokenTTL: 3600,
        accessTokenFormat: format,
        ...(format === 'jwt' ? { jwt: { sign: { alg } } } : {}),
      }),
    },
  },
  pkce: { required: () => true },
  rotateRefreshToken: true,
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    ClientCredentials: 3600,
    IdToken: 3600,
    Grant: 30 * 24 * 3600,
    Interaction: 600,
    Session: 14 * 24 * 3600,
    RefreshToken: 30 * 24 * 3600,
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
})
const callback = provider.callback()
http.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    handleInteraction(provider, users, req, res).catch((error) => {
      res.statusCode = 500
      res.end(String(error))
    })
    return
  }
  callback(req, res)
})

async function newGrant(scopes) {
  const grant = new provider.Grant({ accountId: USER_ID, clientId: CLIENT_ID })
  grant.addOIDCScope(scopes.filter((scope) => !scope.includes(':')).join(' '))
  grant.addResourceScope(API, scopes.filter((scope) => scope.includes(':')).join(' '))
  return grant.save()
}

const dpop = await dpopKey()
/** The endpoint URLs the provider advertises (its PAR endpoint is `/request`). */
const metadata = () => fetch(`${issuer}/.well-known/openid-configuration`).then((response) => response.json())

/** An authorization code as the authorization endpoint saves it after login and consent, one grant each. */
async function saveCode(client, extra = {}) {
  const code = new provider.AuthorizationCode({
    accountId: USER_ID,
    client,
    grantId: await newGrant(USER_GRANT_SCOPES),
    scope: USER_GRANT_SCOPES.join(' '),
    redirectUri: REDIRECT_URI,
    codeChallenge: CODE_CHALLENGE,
    codeChallengeMethod: 'S256',
    authTime: now(),
    nonce: NONCE,
    resource: API,
    sid: randomBytes(16).toString('base64url'),
    expiresWithSession: false,
    ...extra,
  })
  return code.save()
}

serveControl({
  async tokenProofs({ count }) {
    return dpopProofs(dpop, count, 'POST', (await metadata()).token_endpoint)
  },
  async parProofs({ count }) {
    return dpopProofs(dpop, count, 'POST', (await metadata()).pushed_authorization_request_endpoint)
  },
  // Codes bound to the DPoP key (`dpop_jkt`, RFC 9449 §10), each with the proof of its exchange.
  async dpopCodes({ count }) {
    const client = await provider.Client.find(CLIENT_ID)
    const proofs = await dpopProofs(dpop, count, 'POST', (await metadata()).token_endpoint)
    const values = []
    for (const proof of proofs) {
      values.push(`${await saveCode(client, { dpopJkt: dpop.jkt })}\t${proof}`)
    }
    return values
  },
  // Authorization codes as the authorization endpoint saves them after login and consent, one grant each.
  async codes({ count }) {
    const client = await provider.Client.find(CLIENT_ID)
    const values = []
    for (let i = 0; i < count; i++) {
      values.push(await saveCode(client))
    }
    return values
  },
  // Refresh tokens as the authorization_code grant saves them, one grant (family) each.
  async refreshTokens({ count }) {
    const client = await provider.Client.find(CLIENT_ID)
    const values = []
    for (let i = 0; i < count; i++) {
      const token = new provider.RefreshToken({
        accountId: USER_ID,
        client,
        grantId: await newGrant(USER_GRANT_SCOPES),
        scope: USER_GRANT_SCOPES.join(' '),
        gty: 'authorization_code',
        authTime: now(),
        iiat: now(),
        rotations: 0,
        resource: API,
        sid: randomBytes(16).toString('base64url'),
        expiresWithSession: false,
      })
      values.push(await token.save())
    }
    return values
  },
  async accessTokens({ count }) {
    const values = []
    for (let i = 0; i < count; i++) {
      const body = { grant_type: 'client_credentials', scope: 'notes:read', resource: API }
      values.push((await postForm(`${issuer}/token`, body, basicAuthorization())).access_token)
    }
    return values
  },
  async purge() {
    storage.purge()
  },
})
ready(port, { issuer })
