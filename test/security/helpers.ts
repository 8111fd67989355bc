/**
 * Shared steps and assertions of the security catalogue suite (test/security). Everything goes over real
 * loopback HTTP against the standalone server started by `test/helpers/tessera.ts`, except the TLS-profile
 * helper, which calls `handle()` with `https` URLs because the test server has no certificate.
 *
 * The assertions encode the response shorthands of catalogue §0.4: error page, redirect error, token
 * error, bearer error.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose'
import { afterAll, expect } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import type { AuthorizationServer } from '../../src/server/create-server.js'
import { startStandaloneServer } from '../../src/standalone/server.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { newPkce } from '../helpers/pkce.js'
import { testLogger } from '../helpers/log-file.js'
import { ALL_SCOPES, clientPost, RP1, SECRET, startTestServer, type TestClient, type TestServer, type TestUser, type TokenSet } from '../helpers/tessera.js'
import type { ClientAuthMethod, GrantType } from '../../src/storage/types.js'

export type Params = Record<string, string>

/**
 * The store the security suite runs on: SQLite (in memory) by default, the persistent implementation
 * most deployments use; `TESSERA_TEST_STORE=memory` runs it on the memory store instead.
 */
export const SECURITY_STORE: 'memory' | 'sqlite' = process.env.TESSERA_TEST_STORE === 'memory' ? 'memory' : 'sqlite'

type SecurityServerOptions = Omit<Parameters<typeof startTestServer>[0] & object, 'store' | 'filename'>

/** `startTestServer` on the suite's store (see `SECURITY_STORE`). */
export function startSecurityServer(options: SecurityServerOptions = {}): Promise<TestServer> {
  return startTestServer({ ...options, store: SECURITY_STORE })
}

/** Runs `use` against a server of its own (other lifetimes, another issuer), closed afterwards in any case. */
export async function withSecurityServer<T>(options: SecurityServerOptions, use: (server: TestServer) => Promise<T>): Promise<T> {
  const server = await startSecurityServer(options)
  try {
    return await use(server)
  } finally {
    await server.close()
  }
}

/**
 * The server one test file shares: started when the file loads (top-level `await`), closed after the
 * file's last test.
 *
 * @example const server = await securityServerForFile()
 */
export async function securityServerForFile(options: SecurityServerOptions = {}): Promise<TestServer> {
  const server = await startSecurityServer(options)
  afterAll(() => server.close())
  return server
}

let clientCounter = 0

/**
 * Registers a new client, as the operator would with `tessera clients create`: a fresh client id, so no
 * consent or token of another test applies to it. Defaults follow the catalogue's `conf`.
 */
export async function registerClient(
  server: TestServer,
  options: { id?: string; name?: string; secret?: string; method?: ClientAuthMethod; redirectUris?: string[]; grants?: GrantType[]; scopes?: string[] } = {},
): Promise<TestClient> {
  const id = options.id ?? `client-${++clientCounter}-${Date.now().toString(36)}`
  const method = options.method ?? 'client_secret_basic'
  const redirectUris = options.redirectUris ?? [RP1]
  const { clientSecret } = await createClient(server.store, {
    name: options.name ?? `Client ${id}`,
    clientId: id,
    authMethod: method,
    redirectUris,
    postLogoutRedirectUris: [`${RP1}/logged-out`],
    grantTypes: options.grants ?? ['authorization_code', 'refresh_token'],
    scopes: options.scopes ?? ALL_SCOPES,
    ...(options.secret !== undefined ? { clientSecret: options.secret } : {}),
  }, Math.floor(Date.now() / 1000))
  return { id, secret: clientSecret, method, redirectUri: redirectUris[0] ?? '' }
}

// ---------------------------------------------------------------------------------------------------
// Front channel
// ---------------------------------------------------------------------------------------------------

/**
 * A valid authorization request for `client` (code + PKCE S256, state, nonce) with `overrides` applied;
 * an override of `undefined` removes the parameter.
 */
export function authorizationRequest(client: TestClient, overrides: Record<string, string | undefined> = {}): { params: Params; verifier: string } {
  const { verifier, challenge } = newPkce()
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: client.id,
    redirect_uri: client.redirectUri,
    scope: 'openid profile email',
    state: 'state-123',
    nonce: 'nonce-123',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  }
  const defined = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined)
  return { params: Object.fromEntries(defined), verifier }
}

/** Sends an authorization request as GET (query) or POST (form body, OIDC Core §3.1.2.1). */
export async function sendAuthorization(server: TestServer, browser: Browser, params: Params, method: 'GET' | 'POST' = 'GET'): Promise<Response> {
  if (method === 'POST') return browser.post(`${server.url}/authorize`, params)
  return browser.get(`${server.url}/authorize?${new URLSearchParams(params).toString()}`)
}

export type Step = 'login' | 'consent'

export interface InteractionOutcome {
  /** The response that left the interaction: a redirect to the client, or a page of the server. */
  response: Response
  /** Which forms were shown, in order. */
  shown: Step[]
  /** HTML of the last consent page shown, if any. */
  consentHtml: string | undefined
}

/**
 * Continues from an `/authorize` response like a browser: follows redirects inside `/interaction/`,
 * fills the login form with `user` and answers the consent form with `decision`.
 */
export async function completeInteraction(server: TestServer, browser: Browser, first: Response, options: { user: TestUser; decision?: 'allow' | 'deny' }): Promise<InteractionOutcome> {
  let response = first
  const shown: Step[] = []
  let consentHtml: string | undefined
  for (let step = 0; step < 6; step++) {
    const location = response.headers.get('location')
    if (response.status !== 303 || !location?.startsWith(`${server.url}/interaction/`)) return { response, shown, consentHtml }
    const page = await browser.get(location)
    const html = await page.text()
    const form = parseForm(html)
    if (form.action.endsWith('/login')) {
      shown.push('login')
      response = await browser.post(form.action, { ...form.fields, username: options.user.username, password: options.user.password })
    } else {
      shown.push('consent')
      consentHtml = html
      response = await browser.post(form.action, { ...form.fields, decision: options.decision ?? 'allow' })
    }
  }
  throw new Error('the interaction did not finish')
}

/** What a code exchange needs from the front channel. */
export interface Redeemable {
  code: string | undefined
  /** PKCE verifier of the request. */
  verifier: string
  /** `redirect_uri` of the request. */
  redirectUri: string
}

export interface Flow extends InteractionOutcome, Redeemable {
  /** Where the server sent the browser at the end. */
  location: URL
  /** Query of `location`: the authorization response (RFC 6749 §4.1.2). */
  result: URLSearchParams
  /** The request as sent. */
  request: Params
}

/** A whole front-channel run: request, login and consent as needed, ending in a redirect to the client. */
export async function authorizationFlow(
  server: TestServer,
  browser: Browser,
  client: TestClient,
  options: { user?: TestUser; overrides?: Record<string, string | undefined>; decision?: 'allow' | 'deny'; method?: 'GET' | 'POST' } = {},
): Promise<Flow> {
  const { params, verifier } = authorizationRequest(client, options.overrides)
  const first = await sendAuthorization(server, browser, params, options.method)
  const outcome = await completeInteraction(server, browser, first, { user: options.user ?? server.users.alice, ...(options.decision ? { decision: options.decision } : {}) })
  const location = outcome.response.headers.get('location')
  if (outcome.response.status !== 303 || !location) {
    throw new Error(`authorization ended with ${outcome.response.status}: ${(await outcome.response.text()).slice(0, 300)}`)
  }
  const url = new URL(location)
  return { ...outcome, location: url, result: url.searchParams, code: url.searchParams.get('code') ?? undefined, verifier, redirectUri: params.redirect_uri ?? '', request: params }
}

/** A browser with a provider session for `user` (and consent for `client`). */
export async function signedInBrowser(server: TestServer, user: TestUser, client: TestClient): Promise<Browser> {
  const browser = new Browser()
  await authorizationFlow(server, browser, client, { user })
  return browser
}

// ---------------------------------------------------------------------------------------------------
// Back channel
// ---------------------------------------------------------------------------------------------------

/** POST a form to `path` with exactly the given headers (no client authentication added). */
export async function postForm(server: TestServer, path: string, form: Params, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  })
}

/** Code exchange of `flow` by `client` with its registered authentication; `overrides` change the form. */
export async function redeem(server: TestServer, client: TestClient, grant: Redeemable, overrides: Record<string, string | undefined> = {}): Promise<Response> {
  const form: Record<string, string | undefined> = {
    grant_type: 'authorization_code',
    code: grant.code ?? '',
    redirect_uri: grant.redirectUri,
    code_verifier: grant.verifier,
    ...overrides,
  }
  const defined = Object.entries(form).filter((entry): entry is [string, string] => entry[1] !== undefined)
  return clientPost(server, '/token', client, Object.fromEntries(defined))
}

/** Front channel plus code exchange; fails the test unless the exchange succeeds. */
export async function tokensFor(
  server: TestServer,
  client: TestClient,
  options: { user?: TestUser; scope?: string; browser?: Browser; overrides?: Record<string, string | undefined> } = {},
): Promise<TokenSet & { flow: Flow }> {
  const flow = await authorizationFlow(server, options.browser ?? new Browser(), client, {
    ...(options.user ? { user: options.user } : {}),
    overrides: { ...(options.scope ? { scope: options.scope } : {}), ...options.overrides },
  })
  const response = await redeem(server, client, flow)
  const body = (await response.json()) as TokenSet
  expect(response.status, JSON.stringify(body)).toBe(200)
  return { ...body, flow }
}

export function refresh(server: TestServer, client: TestClient, refreshToken: string, extra: Params = {}): Promise<Response> {
  return clientPost(server, '/token', client, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra })
}

export function revoke(server: TestServer, client: TestClient, token: string, extra: Params = {}): Promise<Response> {
  return clientPost(server, '/revoke', client, { token, ...extra })
}

export function introspect(server: TestServer, client: TestClient, token: string): Promise<Response> {
  return clientPost(server, '/introspect', client, { token })
}

export function userinfo(server: TestServer, accessToken: string): Promise<Response> {
  return fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })
}

/** Whether introspection (by the token's own client) says the token is active. */
export async function isActive(server: TestServer, client: TestClient, token: string): Promise<boolean> {
  const response = await introspect(server, client, token)
  expect(response.status).toBe(200)
  return ((await response.json()) as { active: boolean }).active
}

/** `prompt=none` for `client` in `browser`: the error code, or `undefined` when a code was issued. */
export async function silentAuthorization(server: TestServer, browser: Browser, client: TestClient, overrides: Params = {}): Promise<Redeemable & { error: string | undefined }> {
  const { params, verifier } = authorizationRequest(client, { prompt: 'none', ...overrides })
  const response = await sendAuthorization(server, browser, params)
  expect(response.status).toBe(303)
  const location = new URL(response.headers.get('location') ?? '')
  expect(`${location.origin}${location.pathname}`).toBe(client.redirectUri)
  return { error: location.searchParams.get('error') ?? undefined, code: location.searchParams.get('code') ?? undefined, verifier, redirectUri: params.redirect_uri ?? '' }
}

// ---------------------------------------------------------------------------------------------------
// Assertions (catalogue §0.4)
// ---------------------------------------------------------------------------------------------------

/** Error page: the server answers itself, 4xx HTML, and never sends the browser anywhere (RFC 6749 §4.1.2.1). */
export async function expectErrorPage(response: Response, status = 400): Promise<string> {
  expect(response.status).toBe(status)
  expect(response.headers.get('location')).toBeNull()
  expect(response.headers.get('content-type')).toMatch(/^text\/html/)
  return response.text()
}

/**
 * Redirect error: 303 to the registered `redirectUri` with `error`, the request's `state`, `iss` (RFC 9207
 * §2), and no `code` or token anywhere. Returns the response parameters.
 */
export function expectRedirectError(response: Response, expected: { redirectUri: string; error: string | string[]; state: string | undefined; iss: string }): URLSearchParams {
  expect(response.status).toBe(303)
  const location = new URL(response.headers.get('location') ?? 'about:blank')
  expect(`${location.origin}${location.pathname}`).toBe(expected.redirectUri)
  const params = location.searchParams
  const errors = Array.isArray(expected.error) ? expected.error : [expected.error]
  expect(errors).toContain(params.get('error'))
  expect(params.get('state')).toBe(expected.state ?? null)
  expect(params.get('iss')).toBe(expected.iss)
  for (const name of ['code', 'access_token', 'id_token']) expect(params.has(name)).toBe(false)
  expect(location.hash).toBe('')
  return params
}

// RFC 6749 §5.2: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E )
const ERROR_DESCRIPTION = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/

/** Token error: RFC 6749 §5.2 JSON, `no-store`, and `WWW-Authenticate` on every 401 (RFC 9110 §11.6.1). */
export async function expectTokenError(response: Response, error: string | string[], status?: number): Promise<Record<string, unknown>> {
  const errors = Array.isArray(error) ? error : [error]
  const body = (await response.json()) as Record<string, unknown>
  expect(errors, JSON.stringify(body)).toContain(body.error)
  expect(response.status).toBe(status ?? (body.error === 'invalid_client' ? 401 : 400))
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  expect(response.headers.get('cache-control')).toBe('no-store')
  if (body.error_description !== undefined) expect(body.error_description).toMatch(ERROR_DESCRIPTION)
  for (const name of ['access_token', 'refresh_token', 'id_token', 'active']) expect(body).not.toHaveProperty(name)
  if (response.status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Basic\b/)
  return body
}

/** Bearer error of RFC 6750 §3.1; `error` undefined = a request without a token (challenge without error). */
export async function expectBearerError(response: Response, error: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | undefined): Promise<void> {
  const status = error === undefined || error === 'invalid_token' ? 401 : error === 'invalid_request' ? 400 : 403
  expect(response.status).toBe(status)
  const challenge = response.headers.get('www-authenticate') ?? ''
  expect(challenge).toMatch(/^Bearer\b/)
  if (error === undefined) expect(challenge).not.toMatch(/error=/)
  else expect(challenge).toContain(`error="${error}"`)
  const text = await response.text()
  expect(text).not.toContain('"sub"')
}

// ---------------------------------------------------------------------------------------------------
// JWTs
// ---------------------------------------------------------------------------------------------------

export async function fetchJwks(server: TestServer): Promise<JSONWebKeySet> {
  const response = await fetch(`${server.url}/jwks`)
  expect(response.status).toBe(200)
  return (await response.json()) as JSONWebKeySet
}

/** Verifies an ID token against the published JWKS and checks OIDC Core §3.1.3.7 `iss` and `aud`. */
export async function verifyIdToken(server: TestServer, idToken: string, clientId: string, jwks?: JSONWebKeySet): Promise<JWTPayload> {
  const keys = createLocalJWKSet(jwks ?? (await fetchJwks(server)))
  const { payload } = await jwtVerify(idToken, keys, { issuer: server.url, audience: clientId, algorithms: ['RS256'] })
  return payload
}

/** OIDC Core §3.1.3.6 `at_hash` for RS256/ES256: left half of SHA-256, base64url. */
export function atHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest()
  return digest.subarray(0, digest.length / 2).toString('base64url')
}

export function decodePayload(jwt: string): JWTPayload {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as JWTPayload
}

/** An unsecured JWT (`alg: none`, RFC 7519 §6) carrying `payload`. */
export function unsecuredJwt(payload: JWTPayload): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`
}

// ---------------------------------------------------------------------------------------------------
// Cookies
// ---------------------------------------------------------------------------------------------------

export interface SetCookie {
  name: string
  value: string
  attributes: Map<string, string>
}

export function parseSetCookie(header: string): SetCookie {
  const [pair = '', ...rest] = header.split(';')
  const index = pair.indexOf('=')
  const attributes = new Map<string, string>()
  for (const part of rest) {
    const eq = part.indexOf('=')
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase()
    attributes.set(name, eq === -1 ? '' : part.slice(eq + 1).trim())
  }
  return { name: pair.slice(0, index).trim(), value: pair.slice(index + 1).trim(), attributes }
}

/** A `Browser` that also keeps every response, to inspect all `Set-Cookie` and page headers of a flow. */
export class RecordingBrowser extends Browser {
  readonly responses: Response[] = []

  override async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await super.get(url, headers)
    this.responses.push(response.clone())
    return response
  }

  override async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const response = await super.post(url, form, headers)
    this.responses.push(response.clone())
    return response
  }

  setCookies(): SetCookie[] {
    return this.responses.flatMap((response) => response.headers.getSetCookie().map(parseSetCookie))
  }
}

// ---------------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------------

/** A loopback listener that records every request it receives (catalogue §0.3 capture server). */
export async function startCaptureServer(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = []
  const http = createServer((request, response) => {
    requests.push(`${request.method ?? ''} ${request.url ?? ''}`)
    response.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' }).end('eyJhbGciOiJub25lIn0.e30.')
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  }
}

/**
 * Starts the server again on the SQLite file of `previous` (already closed), on the same port so the
 * issuer is unchanged. The fixtures are not created again: they must have survived in the file.
 */
export async function restartOnSameFile(previous: TestServer, filename: string): Promise<TestServer> {
  const port = Number(new URL(previous.url).port)
  // Give fetch's keep-alive pool an I/O turn to see the old server's sockets close; otherwise the first
  // request after the restart may go out on a dead pooled socket ("other side closed").
  await sleep(200)
  const store = await openSqliteStore({ filename })
  const standalone = await startStandaloneServer({ store, secret: SECRET, port, host: '127.0.0.1', logger: testLogger() })
  return {
    ...previous,
    url: standalone.url,
    standalone,
    store,
    async close() {
      await standalone.close()
      await store.close()
    },
  }
}

/**
 * A minimal browser over `handle()` for the TLS profile (https issuer), where the loopback test server
 * cannot go: keeps cookies by name and reports every `Set-Cookie` it saw.
 */
export class HandleBrowser {
  readonly cookies = new Map<string, string>()
  readonly setCookies: string[] = []
  readonly server: AuthorizationServer

  constructor(server: AuthorizationServer) {
    this.server = server
  }

  async request(method: 'GET' | 'POST', url: string, form?: Params): Promise<{ status: number; headers: Headers; body: string }> {
    const headers = new Headers({ cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') })
    if (form) headers.set('content-type', 'application/x-www-form-urlencoded')
    const response = await this.server.handle({
      method,
      url: new URL(url, this.server.issuer),
      headers,
      body: form ? new TextEncoder().encode(new URLSearchParams(form).toString()) : undefined,
      remoteAddress: '127.0.0.1',
    })
    for (const header of response.headers.getSetCookie()) {
      this.setCookies.push(header)
      const cookie = parseSetCookie(header)
      if (cookie.value === '' || cookie.attributes.get('max-age') === '0') this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, cookie.value)
    }
    const body = typeof response.body === 'string' ? response.body : new TextDecoder().decode(response.body ?? new Uint8Array())
    return { status: response.status, headers: response.headers, body }
  }
}

/** A `tessera-oidc serve` process (the built CLI, as users run it) on a SQLite file. */
export interface ServeProcess {
  url: string
  /** SIGKILL: no shutdown handler runs, whatever the process was doing. */
  kill(): Promise<void>
}

const SERVE_BIN = join(process.cwd(), 'dist/cli/main.js')

/** Starts `tessera-oidc serve --demo --port 0 --db <filename>` with the suite's secret; resolves once it listens. */
export function startServeProcess(filename: string): Promise<ServeProcess> {
  // Without DATABASE_URL and REDIS_URL (set for the PostgreSQL + Redis pass), which would win over --db.
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...env } = process.env
  const child = spawn(process.execPath, [SERVE_BIN, 'serve', '--demo', '--port', '0', '--db', filename], {
    env: { ...env, TESSERA_SECRET: SECRET, TESSERA_LOG_LEVEL: 'error' },
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tessera-oidc serve did not start: ${output}`)), 30_000)
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const url = /authorization server: (http:\/\/\S+)/.exec(output)?.[1]
      if (!url) return
      clearTimeout(timer)
      resolve({
        url,
        async kill() {
          child.kill('SIGKILL')
          await exited
        },
      })
    })
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`tessera-oidc serve exited with ${String(code)}: ${output}`))
    })
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
