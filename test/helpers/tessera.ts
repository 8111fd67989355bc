import { randomBytes } from 'node:crypto'
import { createClient, createUser } from '../../src/server/admin.js'
import type { AuthorizationServerConfig, Lifetimes } from '../../src/server/config.js'
import { createMemoryNoteStore } from '../../src/standalone/notes/memory.js'
import type { NoteStore } from '../../src/standalone/notes/types.js'
import { startStandaloneServer, type StandaloneServer } from '../../src/standalone/server.js'
import { createMemoryStore } from '../../src/storage/memory.js'
import type { ClientAuthMethod, GrantType, Store } from '../../src/storage/types.js'
import { Browser, parseForm } from './http-client.js'
import { testLogger } from './log-file.js'
import type { Logger } from 'pino'
import { newPkce } from './pkce.js'

export const RP1 = 'http://127.0.0.1:5000/cb'
export const RP1B = 'http://127.0.0.1:5000/cb2'
export const ALL_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'notes:read', 'notes:write']

export interface TestClient {
  id: string
  secret: string | undefined
  method: ClientAuthMethod
  redirectUri: string
}

export interface TestUser {
  id: string
  username: string
  password: string
}

/** The fixtures of the security catalogue §0.3. */
export interface TestServer {
  url: string
  standalone: StandaloneServer
  store: Store
  /** The demo API's notes (in memory). */
  notes: NoteStore
  clients: Record<'conf' | 'post' | 'pub' | 'm2m' | 'other' | 'qry' | 'native' | 'firstParty', TestClient>
  users: Record<'alice' | 'bob', TestUser>
  close(): Promise<void>
}

export const SECRET = 'test-secret-test-secret-test-secret-0123456789'

async function addClient(store: Store, clientId: string, method: ClientAuthMethod, redirectUris: string[], grants: GrantType[], scopes = ALL_SCOPES, skipConsent = false): Promise<TestClient> {
  const { clientSecret } = await createClient(store, {
    name: `Client ${clientId}`,
    clientId,
    authMethod: method,
    redirectUris,
    postLogoutRedirectUris: [`${RP1}/logged-out`],
    grantTypes: grants,
    scopes,
    skipConsent,
  }, Math.floor(Date.now() / 1000))
  return { id: clientId, secret: clientSecret, method, redirectUri: redirectUris[0] ?? '' }
}

type LimitOptions = Pick<AuthorizationServerConfig, 'clientLimits' | 'trustedProxies' | 'forwardedHeader'>

function limitOptions(options: LimitOptions): LimitOptions {
  return {
    ...(options.clientLimits ? { clientLimits: options.clientLimits } : {}),
    ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
    ...(options.forwardedHeader ? { forwardedHeader: options.forwardedHeader } : {}),
  }
}

/** A store and what to do after closing it (drop the test database). */
interface TestStore {
  store: Store
  dispose(): Promise<void>
}

/**
 * The test server's store. `TESSERA_TEST_STORE=postgres-redis` (set by `npm test` for its second pass
 * over the end-to-end, interop and security suites) puts every server that does not ask for a SQLite
 * file on PostgreSQL + Redis: a new database on `DATABASE_URL` and a new key prefix on `REDIS_URL`, so
 * servers never see each other's records.
 */
async function openTestStore(kind: 'memory' | 'sqlite' | undefined, filename: string | undefined): Promise<TestStore> {
  if (process.env.TESSERA_TEST_STORE === 'postgres-redis' && filename === undefined) return openPostgresRedisTestStore()
  if (kind === 'memory') return { store: createMemoryStore(), dispose: async () => undefined }
  const { openSqliteStore } = await import('../../src/storage/sqlite.js')
  return { store: await openSqliteStore({ filename: filename ?? ':memory:' }), dispose: async () => undefined }
}

async function openPostgresRedisTestStore(): Promise<TestStore> {
  const adminUrl = process.env.DATABASE_URL
  const redisUrl = process.env.REDIS_URL
  if (!adminUrl || !redisUrl) {
    throw new Error('TESSERA_TEST_STORE=postgres-redis needs DATABASE_URL and REDIS_URL: run `npm test`, or `node scripts/services.mjs -- npx vitest run …`')
  }
  const { createTestDatabase } = await import('../storage/services.js')
  const { openPostgresRedisStore } = await import('../../src/storage/composite.js')
  const database = await createTestDatabase(adminUrl)
  const prefix = `tessera-test:${randomBytes(6).toString('hex')}:`
  try {
    const store = await openPostgresRedisStore({ databaseUrl: database.url, redisUrl, redis: { prefix } })
    return { store, dispose: () => database.drop() }
  } catch (error) {
    await database.drop()
    throw error
  }
}

export async function startTestServer(options: { store?: 'memory' | 'sqlite'; filename?: string; lifetimes?: Partial<Lifetimes>; loginThrottle?: AuthorizationServerConfig['loginThrottle']; logger?: Logger; accessTokenFormat?: AuthorizationServerConfig['accessTokenFormat']; capabilities?: AuthorizationServerConfig['capabilities']; outbound?: AuthorizationServerConfig['outbound']; development?: AuthorizationServerConfig['development']; profile?: AuthorizationServerConfig['profile']; ui?: AuthorizationServerConfig['ui']; productName?: string } & LimitOptions = {}): Promise<TestServer> {
  const { store, dispose } = await openTestStore(options.store, options.filename)
  const notes = createMemoryNoteStore()
  const standalone = await startStandaloneServer({ store, notes, secret: SECRET, port: 0, host: '127.0.0.1', logger: options.logger ?? testLogger(), ...(options.lifetimes ? { lifetimes: options.lifetimes } : {}), ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}), ...(options.accessTokenFormat ? { accessTokenFormat: options.accessTokenFormat } : {}), ...(options.capabilities ? { capabilities: options.capabilities } : {}), ...(options.outbound ? { outbound: options.outbound } : {}), ...(options.development ? { development: options.development } : {}), ...(options.profile ? { profile: options.profile } : {}), ...(options.ui ? { ui: options.ui } : {}), ...(options.productName ? { productName: options.productName } : {}), ...limitOptions(options) })
  const now = Math.floor(Date.now() / 1000)
  const alice = await createUser(store, { username: 'alice', password: 'alice-password', name: 'Alice Liddell', givenName: 'Alice', familyName: 'Liddell', email: 'alice@example.com', emailVerified: true }, now)
  const bob = await createUser(store, { username: 'bob', password: 'bob-password', name: 'Bob Builder', email: 'bob@example.com' }, now)
  const codeAndRefresh: GrantType[] = ['authorization_code', 'refresh_token']
  const clients = {
    conf: await addClient(store, 'conf', 'client_secret_basic', [RP1, RP1B], codeAndRefresh),
    post: await addClient(store, 'post', 'client_secret_post', [RP1], codeAndRefresh),
    pub: await addClient(store, 'pub', 'none', [RP1], codeAndRefresh),
    m2m: await addClient(store, 'm2m', 'client_secret_basic', [], ['client_credentials'], ['notes:read']),
    other: await addClient(store, 'other', 'client_secret_basic', [RP1], codeAndRefresh),
    qry: await addClient(store, 'qry', 'client_secret_basic', [`${RP1}?tenant=1`], codeAndRefresh),
    native: await addClient(store, 'native', 'none', ['http://127.0.0.1/cb'], codeAndRefresh),
    firstParty: await addClient(store, 'first-party', 'client_secret_basic', [RP1], codeAndRefresh, ALL_SCOPES, true),
  }
  return {
    url: standalone.url,
    standalone,
    store,
    notes,
    clients,
    users: {
      alice: { id: alice.id, username: 'alice', password: 'alice-password' },
      bob: { id: bob.id, username: 'bob', password: 'bob-password' },
    },
    async close() {
      await standalone.close()
      await store.close()
      await dispose()
    },
  }
}

export interface AuthorizeOptions {
  client: TestClient
  user?: TestUser
  scope?: string
  state?: string
  nonce?: string
  redirectUri?: string
  extra?: Record<string, string>
  /** What to answer on the consent page; default allow. */
  decision?: 'allow' | 'deny'
}

export interface AuthorizeResult {
  location: URL
  code: string | undefined
  verifier: string
  params: URLSearchParams
}

export function authorizeUrl(base: string, params: Record<string, string>): string {
  return `${base}/authorize?${new URLSearchParams(params).toString()}`
}

/**
 * Drives the whole front channel like a browser: authorize → login form → consent form → redirect to the
 * client. Steps already satisfied by the browser's session are skipped, as the server skips them.
 */
export async function authorize(server: TestServer, browser: Browser, options: AuthorizeOptions): Promise<AuthorizeResult> {
  const { verifier, challenge } = newPkce()
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: options.client.id,
    redirect_uri: options.redirectUri ?? options.client.redirectUri,
    scope: options.scope ?? 'openid profile email',
    state: options.state ?? 'state-123',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
    ...options.extra,
  }
  let response = await browser.get(authorizeUrl(server.url, params))
  for (let step = 0; step < 6; step++) {
    if (response.status !== 303) throw new Error(`unexpected ${response.status}: ${await response.text()}`)
    const location = new URL(response.headers.get('location') ?? '')
    if (!location.href.startsWith(`${server.url}/interaction/`)) {
      return { location, code: location.searchParams.get('code') ?? undefined, verifier, params: location.searchParams }
    }
    const page = await browser.get(location.href)
    const html = await page.text()
    const form = parseForm(html)
    if (form.action.endsWith('/login')) {
      const user = options.user ?? server.users.alice
      response = await browser.post(form.action, { ...form.fields, username: user.username, password: user.password })
    } else {
      response = await browser.post(form.action, { ...form.fields, decision: options.decision ?? 'allow' })
    }
  }
  throw new Error('authorization did not finish')
}

export function basicAuth(client: TestClient): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+')
  return `Basic ${Buffer.from(`${encode(client.id)}:${encode(client.secret ?? '')}`).toString('base64')}`
}

/** POST to a token-like endpoint with the client's registered authentication. */
export async function clientPost(server: TestServer, path: string, client: TestClient, form: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  const body: Record<string, string> = { ...form }
  if (client.method === 'client_secret_basic') headers.authorization = basicAuth(client)
  else if (client.method === 'client_secret_post') Object.assign(body, { client_id: client.id, client_secret: client.secret ?? '' })
  else body.client_id = client.id
  return fetch(`${server.url}${path}`, { method: 'POST', headers, body: new URLSearchParams(body).toString() })
}

export async function exchangeCode(server: TestServer, client: TestClient, result: AuthorizeResult, redirectUri = client.redirectUri): Promise<Response> {
  return clientPost(server, '/token', client, {
    grant_type: 'authorization_code',
    code: result.code ?? '',
    redirect_uri: redirectUri,
    code_verifier: result.verifier,
  })
}

export interface TokenSet {
  access_token: string
  token_type: string
  expires_in: number
  scope: string
  refresh_token?: string
  id_token?: string
}

/** Full login and code exchange; returns the token set. */
export async function obtainTokens(server: TestServer, options: AuthorizeOptions, browser = new Browser()): Promise<TokenSet> {
  const result = await authorize(server, browser, options)
  const response = await exchangeCode(server, options.client, result)
  if (response.status !== 200) throw new Error(`token exchange failed: ${response.status} ${await response.text()}`)
  return (await response.json()) as TokenSet
}
