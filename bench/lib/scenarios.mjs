// The scenarios of issue 7 and their rows. Every row of a scenario sends the same request bytes (only
// the endpoint path comes from each server's discovery document) to a differently configured server.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { API, CLIENT_ID, CODE_CHALLENGE, CODE_VERIFIER, NONCE, REDIRECT_URI, basicAuthorization } from './fixtures.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const TESSERA = fileURLToPath(new URL('../servers/tessera.mjs', import.meta.url))
const SHIPPED = fileURLToPath(new URL('../servers/shipped.mjs', import.meta.url))
const OIDC_PROVIDER = fileURLToPath(new URL('../servers/oidc-provider.mjs', import.meta.url))
const API_SERVER = fileURLToPath(new URL('../servers/api.mjs', import.meta.url))
const reference = (name) => fileURLToPath(new URL(`../reference/${name}.mjs`, import.meta.url))
/** Ceilings measured alone on the server core after the rows (full and partial runs only). */
const SIGN_ES256 = { label: 'Tessera `signJwt` ES256 alone (node:crypto)', script: reference('jwt-sign'), args: ['ES256'], unit: 'signatures/s' }
const SIGN_RS256 = { label: 'Tessera `signJwt` RS256 alone (node:crypto)', script: reference('jwt-sign'), args: ['RS256'], unit: 'signatures/s' }
const VERIFY_ES256 = { label: 'jose `jwtVerify` ES256 alone (WebCrypto)', script: reference('jwt-verify'), args: [], unit: 'verifications/s' }
const ARGON2 = { label: 'Argon2id verification alone (m=19456 t=2 p=1, one at a time)', script: reference('argon2-verify'), args: [], unit: 'verifications/s' }

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuthorization() }
const form = (fields) => new URLSearchParams(fields).toString().replaceAll('%40VALUE%40', '@VALUE@').replaceAll('%40VALUE2%40', '@VALUE2@')

/**
 * Row kinds: `tessera-memory` is the headline Tessera row (in-memory store, like oidc-provider's),
 * `tessera-sqlite` the default deployment (WAL, synchronous=NORMAL), `oidc-provider` the reference.
 * `quick` rows make up `--quick`; `extra` rows only run with `--extra`.
 */
const tesseraMemory = (options = {}, extra = {}) => ({ id: 'tessera-memory', impl: 'tessera', label: 'Tessera, memory store', script: TESSERA, options: { store: 'memory', ...options }, quick: true, ...extra })
const tesseraSqlite = (options = {}, extra = {}) => ({ id: 'tessera-sqlite', impl: 'tessera', label: 'Tessera, SQLite store (default)', script: TESSERA, options: { store: 'sqlite', ...options }, ...extra })
/**
 * The shipped rows (issue 20): `tessera-oidc serve` started as a user starts it (bench/servers/shipped.mjs), on
 * SQLite by default, and scaled out on PostgreSQL + Redis (started by the bench through scripts/services.mjs).
 */
const tesseraServe = (options = {}, extra = {}) => ({ id: 'tessera-serve', impl: 'tessera', label: '`tessera-oidc serve` as shipped (SQLite, audit, info logs)', script: SHIPPED, options, shipped: true, ...extra })
const tesseraServeScaled = (options = {}, extra = {}) => ({ id: 'tessera-serve-pg-redis', impl: 'tessera', label: '`tessera-oidc serve`, PostgreSQL + Redis', script: SHIPPED, options, shipped: true, services: 'postgres+redis', ...extra })
const oidcProvider = (options = {}, extra = {}) => ({ id: 'oidc-provider', impl: 'oidc-provider', label: 'oidc-provider 9, memory adapter', script: OIDC_PROVIDER, options, quick: true, ...extra })

export const SCENARIOS = [
  {
    id: 'cc-es256',
    number: 1,
    references: [SIGN_ES256],
    title: 'client_credentials grant, ES256 JWT access token',
    unit: 'tokens/s',
    request: (endpoints) => ({ method: 'POST', path: endpoints.token, headers: FORM, body: form({ grant_type: 'client_credentials', scope: 'notes:read', resource: API }) }),
    rows: [
      tesseraServe({}, { quick: true }),
      tesseraServeScaled(),
      tesseraMemory({ accessTokenAlg: 'ES256' }),
      tesseraSqlite({ accessTokenAlg: 'ES256' }, { extra: true }),
      tesseraMemory({ accessTokenAlg: 'ES256', adapter: 'node' }, { id: 'tessera-node-adapter', label: 'Tessera, memory store, node:http adapter (extra)', quick: false }),
      oidcProvider({ accessTokenFormat: 'jwt', accessTokenAlg: 'ES256' }),
    ],
  },
  {
    id: 'cc-dpop',
    number: 1,
    title: 'client_credentials grant, DPoP-bound ES256 JWT access token (a fresh proof per request)',
    note: 'RFC 9449: each request carries a new DPoP proof (ES256, prepared between runs like the codes); the server verifies it, records its jti against replay and binds the token to the key (cnf.jkt). oidc-provider with its dPoP feature on.',
    unit: 'tokens/s',
    prepare: 'tokenProofs',
    request: (endpoints) => ({ method: 'POST', path: endpoints.token, headers: { ...FORM, DPoP: '@VALUE@' }, body: form({ grant_type: 'client_credentials', scope: 'notes:read', resource: API }) }),
    rows: [
      tesseraMemory({ accessTokenAlg: 'ES256' }),
      tesseraSqlite({ accessTokenAlg: 'ES256' }, { extra: true }),
      oidcProvider({ accessTokenFormat: 'jwt', accessTokenAlg: 'ES256', dpop: true }),
    ],
  },
  {
    id: 'cc-rs256',
    number: 1,
    references: [SIGN_RS256],
    title: 'client_credentials grant, RS256 JWT access token',
    unit: 'tokens/s',
    request: (endpoints) => ({ method: 'POST', path: endpoints.token, headers: FORM, body: form({ grant_type: 'client_credentials', scope: 'notes:read', resource: API }) }),
    rows: [
      tesseraMemory({ accessTokenAlg: 'RS256' }, { quick: false }),
      tesseraSqlite({ accessTokenAlg: 'RS256' }, { extra: true }),
      oidcProvider({ accessTokenFormat: 'jwt', accessTokenAlg: 'RS256' }, { quick: false }),
    ],
  },
  {
    id: 'cc-opaque',
    number: 1,
    title: 'client_credentials grant, opaque access token',
    unit: 'tokens/s',
    request: (endpoints) => ({ method: 'POST', path: endpoints.token, headers: FORM, body: form({ grant_type: 'client_credentials', scope: 'notes:read', resource: API }) }),
    rows: [
      tesseraMemory({ accessTokenFormat: 'opaque' }),
      tesseraSqlite({ accessTokenFormat: 'opaque' }, { extra: true }),
      oidcProvider({ accessTokenFormat: 'opaque' }, { quick: false }),
    ],
  },
  {
    id: 'authorization-code',
    number: 2,
    title: 'authorization_code exchange (PKCE; ES256 access token, RS256 ID token, refresh token)',
    unit: 'exchanges/s',
    // One prepared code per request: a code is single-use (RFC 6749 §4.1.2).
    prepare: 'codes',
    request: (endpoints) => ({
      method: 'POST',
      path: endpoints.token,
      headers: FORM,
      body: form({ grant_type: 'authorization_code', code: '@VALUE@', redirect_uri: REDIRECT_URI, code_verifier: CODE_VERIFIER }),
    }),
    rows: [tesseraServe(), tesseraServeScaled(), tesseraMemory({ accessTokenAlg: 'ES256' }), tesseraSqlite({ accessTokenAlg: 'ES256' }), oidcProvider({ accessTokenFormat: 'jwt', accessTokenAlg: 'ES256' })],
  },
  {
    id: 'par',
    number: 2,
    title: 'pushed authorization request (RFC 9126) with a DPoP proof (RFC 9449 §10.1), a fresh proof per request',
    note: 'What the client sends before the browser leaves: client authentication, the request checked like /authorize would, the proof verified and its key kept as dpop_jkt, a single-use request_uri stored. oidc-provider with its dPoP and PAR features on.',
    unit: 'requests/s',
    prepare: 'parProofs',
    request: (endpoints) => ({
      method: 'POST',
      path: endpoints.par,
      headers: { ...FORM, DPoP: '@VALUE@' },
      body: form({
        response_type: 'code', client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, scope: 'openid offline_access notes:read', resource: API,
        code_challenge: CODE_CHALLENGE, code_challenge_method: 'S256', nonce: NONCE, state: 'bench-state',
      }),
    }),
    // Not in --quick (its 3 minutes): the DPoP proofs are smoke-tested by the two rows around it.
    rows: [tesseraMemory({ accessTokenAlg: 'ES256' }, { quick: false }), oidcProvider({ accessTokenFormat: 'jwt', accessTokenAlg: 'ES256', dpop: true }, { quick: false })],
  },
  {
    id: 'authorization-code-dpop',
    number: 2,
    title: 'authorization_code exchange of a PAR + DPoP code (bound by dpop_jkt), a fresh proof per request',
    note: 'The exchange that follows the pushed request: the code is bound to the DPoP key (RFC 9449 §10), the proof is checked against it, and the access token is DPoP-bound. Codes and proofs prepared between runs.',
    unit: 'exchanges/s',
    prepare: 'dpopCodes',
    request: (endpoints) => ({
      method: 'POST',
      path: endpoints.token,
      headers: { ...FORM, DPoP: '@VALUE2@' },
      body: form({ grant_type: 'authorization_code', code: '@VALUE@', redirect_uri: REDIRECT_URI, code_verifier: CODE_VERIFIER }),
    }),
    rows: [tesseraMemory({ accessTokenAlg: 'ES256' }), oidcProvider({ accessTokenFormat: 'jwt', accessTokenAlg: 'ES256', dpop: true })],
  },
  {
    id: 'authorization-code-es256',
    number: 2,
    title: 'authorization_code exchange with ES256 ID tokens (client registered for ES256 on both sides)',
    note: 'The same exchange without any RSA signature: what the servers themselves cost around two ES256 signatures.',
    unit: 'exchanges/s',
    prepare: 'codes',
    request: (endpoints) => ({
      method: 'POST',
      path: endpoints.token,
      headers: FORM,
      body: form({ grant_type: 'authorization_code', code: '@VALUE@', redirect_uri: REDIRECT_URI, code_verifier: CODE_VERIFIER }),
    }),
    rows: [tesseraMemory({ accessTokenAlg: 'ES256', idTokenAlg: 'ES256' }, { quick: false, extra: true }), oidcProvider({ accessTokenFormat: 'jwt', accessTokenAlg: 'ES256', idTokenAlg: 'ES256' }, { quick: false, extra: true })],
  },
  {
    id: 'refresh-token',
    number: 3,
    title: 'refresh_token grant with rotation (ES256 access token, RS256 ID token, new refresh token)',
    unit: 'refreshes/s',
    // One prepared token per request: each is rotated (consumed) by its use.
    prepare: 'refreshTokens',
    request: (endpoints) => ({ method: 'POST', path: endpoints.token, headers: FORM, body: form({ grant_type: 'refresh_token', refresh_token: '@VALUE@' }) }),
    rows: [tesseraServe(), tesseraServeScaled(), tesseraMemory({ accessTokenAlg: 'ES256' }), tesseraSqlite({ accessTokenAlg: 'ES256' }), oidcProvider({ accessTokenFormat: 'jwt', accessTokenAlg: 'ES256' })],
  },
  {
    id: 'device-poll',
    number: 3,
    title: 'device flow polling (RFC 8628 §3.4): a pending device code polled at the token endpoint',
    note: 'What a waiting device costs the server: client authentication, the device code looked up by its hash, the poll recorded (compare-and-set, for slow_down) and `authorization_pending` answered. Each prepared device code is polled once a run, in every other run (a whole run apart, beyond its 5 s interval), so every answer is the expected 400 `authorization_pending`. No oidc-provider row (its device flow is not configured in the bench).',
    unit: 'pending polls/s',
    // The answer the row expects: a pending poll is a 400 by RFC 8628 §3.5.
    okStatus: 400,
    prepare: 'deviceCodes',
    reusableAfterSeconds: 5,
    request: (endpoints) => ({ method: 'POST', path: endpoints.token, headers: FORM, body: form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: '@VALUE@' }), expect: '"authorization_pending"' }),
    // Not in --quick: preparing its device codes alone took 40 s of the quick run's 3 minutes.
    rows: [tesseraMemory({ accessTokenAlg: 'ES256' }, { quick: false }), tesseraSqlite({ accessTokenAlg: 'ES256' }, { extra: true })],
  },
  {
    id: 'introspection',
    number: 4,
    references: [VERIFY_ES256],
    title: 'introspection of an active access token',
    note: 'Tessera introspects its ES256 JWT access token (signature, claims, revocation lookups), and in an extra row its opaque token (a store lookup by hash, then the same revocation lookups); oidc-provider refuses to introspect JWT access tokens, so its row introspects its opaque token (a store lookup).',
    unit: 'introspections/s',
    token: 'accessTokens',
    request: (endpoints, token) => ({ method: 'POST', path: endpoints.introspection, headers: FORM, body: form({ token }) }),
    rows: [
      tesseraServe(),
      tesseraServeScaled(),
      tesseraMemory({ accessTokenAlg: 'ES256' }),
      tesseraSqlite({ accessTokenAlg: 'ES256' }, { extra: true }),
      tesseraMemory({ accessTokenFormat: 'opaque' }, { id: 'tessera-memory-opaque', label: 'Tessera, memory store, opaque access token (extra)', quick: false, extra: true }),
      oidcProvider({ accessTokenFormat: 'opaque' }),
    ],
  },
  {
    id: 'introspection-refresh',
    number: 4,
    title: 'introspection of an active refresh token (opaque on both sides)',
    unit: 'introspections/s',
    token: 'refreshTokens',
    request: (endpoints, token) => ({ method: 'POST', path: endpoints.introspection, headers: FORM, body: form({ token }) }),
    rows: [tesseraMemory({}, { quick: false, extra: true }), oidcProvider({}, { quick: false, extra: true })],
  },
  {
    id: 'protected-route',
    number: 5,
    title: 'protected API route (Hono): unprotected vs resource-server middleware',
    unit: 'requests/s',
    pending: existsSync(`${root}src/resource/index.ts`) && existsSync(`${root}src/adapters/hono-resource.ts`)
      ? undefined
      : 'waiting for src/resource/index.ts and src/adapters/hono-resource.ts (resource-server issue)',
    // The same GET with the same Authorization header on every row; only the route's protection differs.
    request: (_endpoints, token) => ({ method: 'GET', path: '/api/notes', headers: { Authorization: `Bearer ${token}` } }),
    rows: [
      { id: 'unprotected', impl: 'tessera', label: 'Hono route, unprotected', script: API_SERVER, options: { protect: false }, token: 'accessTokens', quick: true },
      { id: 'reused-token', impl: 'tessera', label: 'requireAuth, one token reused', script: API_SERVER, options: { protect: true }, token: 'accessTokens', quick: true },
      {
        id: 'new-token',
        impl: 'tessera',
        label: 'requireAuth, a new token per request',
        script: API_SERVER,
        options: { protect: true },
        prepare: 'accessTokens',
        request: () => ({ method: 'GET', path: '/api/notes', headers: { Authorization: 'Bearer @VALUE@' } }),
        quick: true,
      },
      {
        id: 'dpop-reused-token',
        impl: 'tessera',
        label: 'requireAuth, DPoP-bound token reused, a fresh proof per request',
        script: API_SERVER,
        options: { protect: true, dpop: true },
        prepare: 'dpopReusedToken',
        request: () => ({ method: 'GET', path: '/api/notes', headers: { Authorization: 'DPoP @VALUE@', DPoP: '@VALUE2@' } }),
      },
      {
        id: 'dpop-new-token',
        impl: 'tessera',
        label: 'requireAuth, a new DPoP-bound token and proof per request',
        script: API_SERVER,
        options: { protect: true, dpop: true },
        prepare: 'dpopNewTokens',
        request: () => ({ method: 'GET', path: '/api/notes', headers: { Authorization: 'DPoP @VALUE@', DPoP: '@VALUE2@' } }),
      },
    ],
  },
  {
    id: 'login',
    number: 6,
    references: [ARGON2],
    title: 'complete login: authorize → login form → consent → token (Argon2id m=19456 t=2 p=1)',
    unit: 'logins/s',
    client: 'login',
    rows: [tesseraMemory({ accessTokenAlg: 'ES256' }), tesseraSqlite({ accessTokenAlg: 'ES256' }, { extra: true }), oidcProvider({ accessTokenFormat: 'jwt', accessTokenAlg: 'ES256' })],
  },
  {
    id: 'registration',
    number: 8,
    title: 'dynamic client registration (RFC 7591): open registration of a confidential web client',
    note: 'What an MCP client or agent sends before its first authorization: the metadata checked, a client id, a client secret and a registration access token (RFC 7592) generated, the secrets stored hashed, the client stored and audited. The same JSON body every request; each answer is a 201 with a new client. Tessera\'s per-address registration limit (20 an hour by default) is raised for the load generator\'s one address; oidc-provider with its registration feature on and no initial access token. No shipped row: `serve` has no setting for that limit.',
    unit: 'registrations/s',
    request: (endpoints) => ({
      method: 'POST',
      path: endpoints.registration,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Bench registration', redirect_uris: ['https://client.example/cb'], grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic', scope: 'openid notes:read',
      }),
      expect: '"registration_access_token"',
    }),
    rows: [tesseraMemory({ accessTokenAlg: 'ES256', registration: true }), tesseraSqlite({ accessTokenAlg: 'ES256', registration: true }, { extra: true }), oidcProvider({ accessTokenFormat: 'jwt', accessTokenAlg: 'ES256', registration: true }, { quick: false })],
  },
  {
    id: 'token-exchange',
    number: 7,
    references: [SIGN_ES256, VERIFY_ES256],
    title: 'token exchange with an actor token (RFC 8693: subject and actor checked as introspection checks them, ES256 JWT with act issued)',
    note: 'Tessera only: oidc-provider has no token exchange grant. Subject and actor are one client-credentials token of the bench client, reused; the client\'s policy allows delegation.',
    unit: 'exchanges/s',
    token: 'accessTokens',
    request: (endpoints, token) => ({
      method: 'POST', path: endpoints.token, headers: FORM,
      body: form({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: token, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        actor_token: token, actor_token_type: 'urn:ietf:params:oauth:token-type:access_token', resource: API, scope: 'notes:read',
      }),
    }),
    rows: [tesseraMemory({ accessTokenAlg: 'ES256', tokenExchange: true }), tesseraSqlite({ accessTokenAlg: 'ES256', tokenExchange: true }, { extra: true })],
  },
]
