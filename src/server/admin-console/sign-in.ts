import { randomToken, safeEqual, sha256 } from '../../crypto/random.js'
import { openSealedSecret, sealSecret } from '../../jwt/sealed-secret.js'
import { readCookie, serializeCookie } from '../../http/cookies.js'
import { redirectResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { computeS256Challenge } from '../../protocol/rfc7636/pkce.js'
import { ADMIN_CONSOLE_SESSION, ADMIN_CONSOLE_SIGN_IN, type AdminConsoleSession } from '../../storage/kinds/admin-console.js'
import type { ClientRecord } from '../../storage/types.js'
import { builtInSignInClient } from '../built-in-client.js'
import type { ClientSource, ServerContext } from '../context.js'
import { ACR_MFA } from '../mfa/assurance.js'
import { checkSessionCsrfToken, sessionCsrfToken } from '../session.js'
import { callAdminApi } from './api.js'

/**
 * The console signs its admins in as a client of this server, like the account page: `/authorize` runs the
 * one login (password, second factor, upstream providers), and the console exchanges the code at the
 * server's own token endpoint — in process — for the admin's access token with `admin:read admin:write`.
 * The admin API then applies its own rule to that token (only users named in `adminApi.admins`), so the
 * console can never do more than its admin may. The client exists only in this source, never stored.
 */
export const ADMIN_CONSOLE_CLIENT_ID = 'urn:tessera:admin-console'

/** What the console asks for: the admin scopes, which no discovery document offers (src/server/admin-api/scopes.ts). */
const ADMIN_CONSOLE_SCOPES = ['admin:read', 'admin:write'] as const

/** Minutes after a sign-in during which the admin counts as freshly authenticated (key rotation and such). */
export const FRESH_AUTHENTICATION_SECONDS = 300

/** A sign-in under way lives this long: the time to type a password and a second factor. */
const SIGN_IN_LIFETIME = 600

export function consoleCallbackUrl(ctx: ServerContext): string {
  return `${ctx.config.issuer}/admin/callback`
}

export function consoleClient(ctx: ServerContext): ClientRecord {
  return { ...builtInSignInClient(ADMIN_CONSOLE_CLIENT_ID, 'the admin console', consoleCallbackUrl(ctx)), scopes: ['openid', ...ADMIN_CONSOLE_SCOPES] }
}

export const consoleClientSource: ClientSource = {
  handles: (clientId) => clientId === ADMIN_CONSOLE_CLIENT_ID,
  resolve: (ctx) => Promise.resolve(consoleClient(ctx)),
  scopesOutsideDiscovery: ADMIN_CONSOLE_SCOPES,
}

/**
 * The console cookie: host-only, `HttpOnly`, `SameSite=Strict`, `Path=` the console's path (`/admin` below the issuer's). Over https it carries the
 * `__Secure-` prefix: `__Host-` would pin it to `Path=/` (RFC 6265bis §4.1.3.2), and the console's cookie
 * has no business on the provider's other paths.
 */
export function consoleCookieName(ctx: ServerContext): string {
  return ctx.config.secure ? '__Secure-tessera-admin' : 'tessera-admin'
}

function consoleCookie(ctx: ServerContext, value: string): string {
  // Below the issuer's path: with an issuer such as https://host/oidc the console is /oidc/admin.
  return serializeCookie(consoleCookieName(ctx), value, { secure: ctx.config.secure, sameSite: 'Strict', path: `${ctx.config.basePath}/admin` })
}

function cookieValue(ctx: ServerContext, headers: Headers): string | undefined {
  const value = readCookie(headers, consoleCookieName(ctx))
  return value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined
}

/** The signed-in admin of this browser, while the console session (and so its access token) lives. */
export interface ConsoleSession {
  readonly key: string
  readonly record: AdminConsoleSession
}

export async function currentConsoleSession(ctx: ServerContext, headers: Headers): Promise<ConsoleSession | undefined> {
  const value = cookieValue(ctx, headers)
  if (value === undefined) return undefined
  const key = sha256(value)
  const found = await ctx.config.store.records.get(ADMIN_CONSOLE_SESSION, key, ctx.config.now())
  return found ? { key, record: found.value } : undefined
}

const CSRF_PURPOSE = 'admin-console'

/** The console's CSRF token: an HMAC of the console session with the server secret (the logout form's scheme). */
export function consoleCsrfToken(ctx: ServerContext, session: ConsoleSession): string {
  return sessionCsrfToken(ctx, session.key, CSRF_PURPOSE)
}

export function checkConsoleCsrfToken(ctx: ServerContext, session: ConsoleSession, presented: string | undefined): boolean {
  return checkSessionCsrfToken(ctx, session.key, CSRF_PURPOSE, presented)
}

/** Whether the admin entered credentials within the fresh-authentication window. */
export function recentlyAuthenticated(ctx: ServerContext, session: ConsoleSession): boolean {
  return ctx.config.now() - session.record.auth_time <= FRESH_AUTHENTICATION_SECONDS
}

/** A console path to come back to: below `/admin`, never another origin (`//host`) or a scheme. */
export function safeReturnPath(path: string): string {
  return /^\/(?![/\\])[A-Za-z0-9\-._~%/?=&+!*'()]{0,1024}$/.test(path) ? path : '/'
}

/**
 * To the login page, coming back to `returnTo`. The state, the PKCE verifier and the way back stay in the
 * store, bound to this browser's console cookie (set here when it has none). `fresh`: OIDC Core §3.1.2.1
 * `max_age=0`, the admin must enter credentials again, whatever session the provider has. `requireMfa`:
 * `acr_values` asks for the two-factor level (RFC 9470 §4), so the login runs the admin's second factor.
 */
export async function signInRedirect(ctx: ServerContext, headers: Headers, returnTo: string, options: { fresh?: boolean; requireMfa?: boolean } = {}): Promise<OAuthResponse> {
  const existing = cookieValue(ctx, headers)
  const browser = existing ?? randomToken(32)
  const state = randomToken(32)
  const verifier = randomToken(32)
  await ctx.config.store.records.put(ADMIN_CONSOLE_SIGN_IN, {
    key: sha256(state), value: { browser: sha256(browser), verifier, return_to: safeReturnPath(returnTo) }, expiresAt: ctx.config.now() + SIGN_IN_LIFETIME,
  })
  const query = new URLSearchParams({
    response_type: 'code', client_id: ADMIN_CONSOLE_CLIENT_ID, redirect_uri: consoleCallbackUrl(ctx), scope: ['openid', ...ADMIN_CONSOLE_SCOPES].join(' '),
    state, code_challenge: computeS256Challenge(verifier), code_challenge_method: 'S256',
    ...(options.fresh ? { max_age: '0' } : {}), ...(options.requireMfa ? { acr_values: ACR_MFA } : {}),
  })
  const response = redirectResponse(`${ctx.urls.authorization}?${query.toString()}`)
  if (existing === undefined) response.headers.append('Set-Cookie', consoleCookie(ctx, browser))
  return response
}

/** Why a callback signed nobody in. */
export type SignInFailure = 'no-sign-in' | 'refused' | 'not-admin' | 'no-second-factor' | 'exchange-failed'

interface TokenAnswer {
  access_token?: unknown
  id_token?: unknown
  expires_in?: unknown
}

/**
 * RFC 6749 §4.1.3 at the server's own token endpoint, without HTTP: its handler gets the request a client
 * would send (public client, PKCE verifier), so the code is checked and used up by the same rules.
 */
async function exchangeCode(ctx: ServerContext, code: string, verifier: string): Promise<TokenAnswer | undefined> {
  const path = new URL(ctx.urls.token).pathname.slice(ctx.config.basePath.length) || '/'
  const route = ctx.registry.route(path)
  if (!route) return undefined
  const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: consoleCallbackUrl(ctx), client_id: ADMIN_CONSOLE_CLIENT_ID, code_verifier: verifier })
  const answer = await route.handle(ctx, {
    method: 'POST', url: new URL(ctx.urls.token), headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }),
    body: new TextEncoder().encode(form.toString()),
  }, route.captures)
  if (answer.status !== 200 || answer.body === undefined) return undefined
  return JSON.parse(typeof answer.body === 'string' ? answer.body : new TextDecoder().decode(answer.body)) as TokenAnswer
}

/** The claims of an ID token that came straight from this server's own token endpoint (so not verified again). */
function idTokenClaims(idToken: string): { sub?: unknown; auth_time?: unknown; acr?: unknown } {
  try {
    return JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown; auth_time?: unknown; acr?: unknown }
  } catch {
    return {}
  }
}

/**
 * GET /admin/callback: the state must be one this browser started (its console cookie), the code is
 * exchanged, and the token must open the admin API — a user the operator did not name gets `not-admin`
 * and no console session. A new cookie value then names the session (session fixation, ASVS 7.2.4).
 */
export async function completeSignIn(ctx: ServerContext, request: OAuthRequest, requireMfa = false): Promise<{ ok: true; response: OAuthResponse } | { ok: false; reason: SignInFailure }> {
  const query = request.url.searchParams
  const state = query.get('state')
  const browser = cookieValue(ctx, request.headers)
  if (state === null || state.length > 128 || browser === undefined) return { ok: false, reason: 'no-sign-in' }
  const taken = await ctx.config.store.records.consume(ADMIN_CONSOLE_SIGN_IN, sha256(state), ctx.config.now())
  if (taken.status !== 'consumed' || !safeEqual(taken.record.value.browser, sha256(browser))) return { ok: false, reason: 'no-sign-in' }
  const pending = taken.record.value
  const code = query.get('code')
  // RFC 6749 §4.1.2.1: the login was refused or cancelled (access_denied, login_required…).
  if (code === null || code.length > 256) return { ok: false, reason: 'refused' }
  const tokens = await exchangeCode(ctx, code, pending.verifier)
  if (typeof tokens?.access_token !== 'string' || typeof tokens.id_token !== 'string') return { ok: false, reason: 'exchange-failed' }
  const claims = idTokenClaims(tokens.id_token)
  const now = ctx.config.now()
  if (typeof claims.sub !== 'string') return { ok: false, reason: 'exchange-failed' }
  // OIDC Core §2 `acr`: the level the login reached, never more (a user without a second factor reaches one).
  if (requireMfa && claims.acr !== ACR_MFA) return { ok: false, reason: 'no-second-factor' }
  const probe = await callAdminApi(ctx, tokens.access_token, 'GET', '/clients?limit=1')
  if (probe.status === 403) return { ok: false, reason: 'not-admin' }
  if (probe.status !== 200) return { ok: false, reason: 'exchange-failed' }
  const user = await ctx.config.store.users.get(claims.sub)
  if (!user) return { ok: false, reason: 'exchange-failed' }
  const lifetime = typeof tokens.expires_in === 'number' && tokens.expires_in > 0 ? tokens.expires_in : 300
  const value = randomToken(32)
  await ctx.config.store.records.delete(ADMIN_CONSOLE_SESSION, sha256(browser))
  await ctx.config.store.records.put(ADMIN_CONSOLE_SESSION, {
    key: sha256(value), expiresAt: now + lifetime, subject: user.id,
    value: { sub: user.id, name: user.name ?? user.username, access_token_sealed: await sealSecret(tokens.access_token, ctx.config.secret, 'admin-console-token'), auth_time: typeof claims.auth_time === 'number' ? claims.auth_time : 0 },
  })
  const response = redirectResponse(`${ctx.config.issuer}/admin${pending.return_to}`)
  response.headers.append('Set-Cookie', consoleCookie(ctx, value))
  return { ok: true, response }
}

/** The session's access token, opened; undefined when no current or previous server secret opens it (then sign in again). */
export function consoleAccessToken(ctx: ServerContext, session: ConsoleSession): Promise<string | undefined> {
  return openSealedSecret(session.record.access_token_sealed, [ctx.config.secret, ...ctx.config.previousSecrets], 'admin-console-token')
}

/** Ends the console session (the provider's own session stays: signing out of the provider is `/logout`). */
export async function endConsoleSession(ctx: ServerContext, session: ConsoleSession): Promise<string> {
  await ctx.config.store.records.delete(ADMIN_CONSOLE_SESSION, session.key)
  return serializeCookie(consoleCookieName(ctx), '', { secure: ctx.config.secure, sameSite: 'Strict', path: '/admin', maxAge: 0 })
}
