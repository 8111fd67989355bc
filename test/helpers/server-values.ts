/**
 * The authorization server driven through `handle()` with plain values, no sockets: a server on a memory
 * store with a fixed clock, the catalogue-like fixture clients, form and Basic requests, a cookie-keeping
 * browser, and a login + consent that ends in an authorization code. Shared by test/server/endpoints/
 * and test/server/grants/.
 */
import { createClient, createUser } from '../../src/server/admin.js'
import type { AuthorizationServerConfig } from '../../src/server/config.js'
import { createAuthorizationServer, type AuthorizationServer } from '../../src/server/create-server.js'
import type { OAuthResponse } from '../../src/http/types.js'
import { createMemoryStore } from '../../src/storage/memory.js'
import type { ClientAuthMethod, GrantType, Store, UserRecord } from '../../src/storage/types.js'
import { newPkce } from './pkce.js'
import type { TokenSet } from './tessera.js'

export const ISSUER = 'http://127.0.0.1:4000'
export const SECRET = 'server-values-secret-server-values-secret-0123'
export const REDIRECT_URI = 'http://127.0.0.1:5000/cb'
export const LOGGED_OUT_URI = 'http://127.0.0.1:5000/logged-out'
export const NOTES_API = `${ISSUER}/api`
export const REPORTS_API = 'http://127.0.0.1:4100/reports'
/** The fixed clock's start, seconds since the epoch. */
export const START = 1_900_000_000
export const ALICE = { username: 'alice', password: 'alice-password' }
export const BOB = { username: 'bob', password: 'bob-password' }

interface FixtureClient {
  id: string
  secret: string | undefined
  method: ClientAuthMethod
  grants: GrantType[]
  scopes: string[]
}

const USER_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'notes:read', 'notes:write']

/**
 * `app` and `other`: confidential (Basic), code + refresh. `post`: secret in the body, code only (no
 * refresh grant). `pub`: public (`none`), code + refresh. `m2m`: client credentials only, with `openid`
 * among its scopes to show that OIDC scopes never reach a client-credentials token.
 */
export const CLIENTS = {
  app: { id: 'app', secret: 'app-secret', method: 'client_secret_basic', grants: ['authorization_code', 'refresh_token'], scopes: USER_SCOPES },
  other: { id: 'other', secret: 'other-secret', method: 'client_secret_basic', grants: ['authorization_code', 'refresh_token'], scopes: USER_SCOPES },
  post: { id: 'post', secret: 'post-secret', method: 'client_secret_post', grants: ['authorization_code'], scopes: USER_SCOPES },
  pub: { id: 'pub', secret: undefined, method: 'none', grants: ['authorization_code', 'refresh_token'], scopes: USER_SCOPES },
  m2m: { id: 'm2m', secret: 'm2m-secret', method: 'client_secret_basic', grants: ['client_credentials'], scopes: ['openid', 'notes:read', 'notes:write', 'reports:read'] },
} satisfies Record<string, FixtureClient>

export type ClientName = keyof typeof CLIENTS

export interface RequestInit {
  /** Sent as `application/x-www-form-urlencoded`; pairs allow a repeated parameter. */
  form?: Record<string, string> | [string, string][]
  headers?: Record<string, string>
}

export interface Harness {
  server: AuthorizationServer
  store: Store
  /** The server's clock, in seconds; tests move it forward. */
  clock: { now: number }
  alice: UserRecord
  bob: UserRecord
  send(method: string, path: string, init?: RequestInit): Promise<OAuthResponse>
  /** A token-endpoint-style POST (token, revoke, introspect) authenticated as the fixture client does. */
  post(path: string, client: ClientName, form: Record<string, string> | [string, string][]): Promise<OAuthResponse>
  browser(): Browser
  /** Authorization request, login as alice, consent: the code the client receives and its PKCE verifier. */
  authorizationCode(options?: CodeOptions): Promise<IssuedCode>
  /** The code exchange (RFC 6749 §4.1.3) as the fixture client sends it. */
  exchange(issued: Pick<IssuedCode, 'code' | 'verifier'>, client?: ClientName): Promise<OAuthResponse>
  /** `authorizationCode` then the code exchange; the token response's members. */
  tokens(options?: CodeOptions): Promise<TokenSet>
}

export interface CodeOptions {
  client?: ClientName
  scope?: string
  /** Further authorization request parameters (`resource`, `nonce` …). */
  params?: Record<string, string>
  user?: { username: string; password: string }
}

export interface IssuedCode {
  code: string
  verifier: string
  /** Where the browser was sent with the code. */
  redirect: URL
  browser: Browser
}

export type { TokenSet }

/** Builds the server on a fresh memory store with the fixture clients, alice and bob. */
export async function createHarness(config: Partial<AuthorizationServerConfig> = {}): Promise<Harness> {
  const store = config.store ?? createMemoryStore()
  const clock = { now: START }
  for (const client of Object.values(CLIENTS) as FixtureClient[]) {
    await createClient(store, {
      name: `Client ${client.id}`, clientId: client.id, ...(client.secret ? { clientSecret: client.secret } : {}),
      authMethod: client.method, grantTypes: client.grants, scopes: client.scopes,
      redirectUris: client.grants.includes('authorization_code') ? [REDIRECT_URI] : [],
      postLogoutRedirectUris: [LOGGED_OUT_URI],
    }, START)
  }
  const alice = await createUser(store, { ...ALICE, name: 'Alice Liddell', email: 'alice@example.com', emailVerified: true }, START)
  const bob = await createUser(store, BOB, START)
  const server = await createAuthorizationServer({
    issuer: ISSUER, secret: SECRET, now: () => clock.now,
    resources: [
      { identifier: NOTES_API, scopes: { 'notes:read': 'Read your notes', 'notes:write': 'Change your notes' } },
      { identifier: REPORTS_API, scopes: { 'reports:read': 'Read reports' } },
    ],
    ...config,
    store,
  })

  const send = (method: string, path: string, init: RequestInit = {}) => server.handle(request(method, path, init))
  const harness: Harness = {
    server, store, clock, alice, bob, send,
    post: (path, client, form) => send('POST', path, authenticatedAs(client, form)),
    browser: () => new Browser(server),
    authorizationCode: (options) => authorizationCode(harness, options),
    exchange: ({ code, verifier }, client = 'app') => harness.post('/token', client, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI }),
    async tokens(options = {}) {
      const response = await harness.exchange(await authorizationCode(harness, options), options.client)
      if (response.status !== 200) throw new Error(`code exchange failed: ${response.status} ${text(response)}`)
      return json(response) as unknown as TokenSet
    },
  }
  return harness
}

function request(method: string, path: string, init: RequestInit) {
  const headers = new Headers(init.headers)
  let body: Uint8Array | undefined
  if (init.form) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded')
    body = new TextEncoder().encode(new URLSearchParams(init.form).toString())
  }
  return { method, url: new URL(path, ISSUER), headers, body, remoteAddress: '127.0.0.1' }
}

/** `Authorization: Basic …` per RFC 6749 §2.3.1 (id and secret form-encoded first). */
export function basic(id: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+')
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`
}

/** The request as the fixture client authenticates: Basic, secret in the body, or a bare client_id. */
export function authenticatedAs(name: ClientName, form: Record<string, string> | [string, string][]): RequestInit {
  const client: FixtureClient = CLIENTS[name]
  const pairs = Array.isArray(form) ? [...form] : Object.entries(form)
  if (client.method === 'client_secret_basic') return { form: pairs, headers: { authorization: basic(client.id, client.secret ?? '') } }
  if (client.method === 'client_secret_post') return { form: [...pairs, ['client_id', client.id], ['client_secret', client.secret ?? '']] }
  return { form: [...pairs, ['client_id', client.id]] }
}

export function text(response: OAuthResponse): string {
  const { body } = response
  return typeof body === 'string' ? body : new TextDecoder().decode(body ?? new Uint8Array())
}

export function json(response: OAuthResponse): Record<string, unknown> {
  return JSON.parse(text(response)) as Record<string, unknown>
}

/** The `Location` of a redirect, parsed; throws for a response that is not one. */
export function location(response: OAuthResponse): URL {
  const value = response.headers.get('location')
  if (response.status !== 303 || value === null) throw new Error(`expected a 303 redirect, got ${response.status}: ${text(response).slice(0, 200)}`)
  return new URL(value)
}

/** The CSRF token of the form on an HTML page. */
export function csrfTokenOf(response: OAuthResponse): string {
  const match = /name="csrf_token" value="([^"]+)"/.exec(text(response))
  if (!match?.[1]) throw new Error(`no csrf_token on the page (${response.status})`)
  return match[1]
}

/** A browser: keeps the cookies the server sets and sends them back. */
export class Browser {
  readonly cookies = new Map<string, string>()
  readonly #server: AuthorizationServer

  constructor(server: AuthorizationServer) {
    this.#server = server
  }

  async send(method: string, url: string | URL, init: RequestInit = {}): Promise<OAuthResponse> {
    const headers = { ...init.headers }
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    const response = await this.#server.handle(request(method, String(url), { ...init, headers }))
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';')
      const equals = pair.indexOf('=')
      const name = pair.slice(0, equals)
      if (/;\s*Max-Age=0(;|$)/i.test(cookie)) this.cookies.delete(name)
      else this.cookies.set(name, pair.slice(equals + 1))
    }
    return response
  }

  get(url: string | URL): Promise<OAuthResponse> {
    return this.send('GET', url)
  }

  post(url: string | URL, form: Record<string, string>, headers?: Record<string, string>): Promise<OAuthResponse> {
    return this.send('POST', url, { form, ...(headers ? { headers } : {}) })
  }

  /** Shows the interaction page and submits its login form. */
  async logIn(interaction: URL, user: { username: string; password: string } = ALICE): Promise<OAuthResponse> {
    const page = await this.get(interaction)
    return this.post(`${interaction.href}/login`, { csrf_token: csrfTokenOf(page), ...user })
  }

  /** Shows the consent page and answers it. */
  async consent(interaction: URL, decision: 'allow' | 'deny' = 'allow'): Promise<OAuthResponse> {
    const page = await this.get(interaction)
    return this.post(`${interaction.href}/consent`, { csrf_token: csrfTokenOf(page), decision })
  }
}

/** A valid authorization request's query for a fixture client, PKCE S256 included. */
export function authorizationQuery(client: ClientName, challenge: string, scope = 'openid offline_access notes:read', params: Record<string, string> = {}): string {
  return `/authorize?${new URLSearchParams({
    response_type: 'code', client_id: CLIENTS[client].id, redirect_uri: REDIRECT_URI, scope, state: 'state-1',
    code_challenge: challenge, code_challenge_method: 'S256', ...params,
  }).toString()}`
}

async function authorizationCode(harness: Harness, options: CodeOptions = {}): Promise<IssuedCode> {
  const browser = harness.browser()
  const pkce = newPkce()
  const interaction = location(await browser.get(authorizationQuery(options.client ?? 'app', pkce.challenge, options.scope, options.params)))
  let next = location(await browser.logIn(interaction, options.user))
  if (next.href.startsWith(`${ISSUER}/interaction/`)) next = location(await browser.consent(next))
  const code = next.searchParams.get('code')
  if (code === null) throw new Error(`no code in ${next.href}`)
  return { code, verifier: pkce.verifier, redirect: next, browser }
}
