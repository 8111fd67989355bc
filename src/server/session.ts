import { createHmac } from 'node:crypto'
import { randomToken, safeEqual, sha256 } from '../crypto/random.js'
import { expireCookie, readCookie, serializeCookie } from '../http/cookies.js'
import type { LoginSessionRecord, UserRecord } from '../storage/types.js'
import type { ServerContext } from './context.js'

/**
 * Cookie names. Over https the `__Host-` prefix pins the cookie to this exact host, `Secure` and
 * `Path=/` (RFC 6265bis §4.1.3.2).
 */
export function cookieNames(secure: boolean): { session: string; browser: string } {
  const prefix = secure ? '__Host-' : ''
  return { session: `${prefix}tessera-session`, browser: `${prefix}tessera-browser` }
}

export interface CurrentSession {
  record: LoginSessionRecord
  user: UserRecord
}

/** The provider login session of this browser, if it is valid and its user still exists. */
export async function currentSession(ctx: ServerContext, headers: Headers): Promise<CurrentSession | undefined> {
  const value = readCookie(headers, cookieNames(ctx.config.secure).session)
  if (!value) return undefined
  const record = await ctx.config.store.sessions.get(sha256(value), ctx.config.now())
  if (!record) return undefined
  const user = await ctx.config.store.users.get(record.user_id)
  return user ? { record, user } : undefined
}

/**
 * Starts a login session with a fresh identifier and ends the previous one, so an identifier planted
 * before login is worthless after it (session fixation, ASVS 7.2.4).
 */
export async function startSession(ctx: ServerContext, headers: Headers, user: UserRecord, authTime: number): Promise<{ record: LoginSessionRecord; cookie: string }> {
  const names = cookieNames(ctx.config.secure)
  const previous = readCookie(headers, names.session)
  if (previous) await ctx.config.store.sessions.delete(sha256(previous))
  const value = randomToken(32)
  const now = ctx.config.now()
  const record: LoginSessionRecord = {
    id_hash: sha256(value),
    sid: randomToken(16),
    user_id: user.id,
    auth_time: authTime,
    created_at: now,
    expires_at: now + ctx.config.lifetimes.session,
  }
  await ctx.config.store.sessions.create(record)
  const cookie = serializeCookie(names.session, value, { secure: ctx.config.secure, maxAge: ctx.config.lifetimes.session })
  return { record, cookie }
}

export async function endSession(ctx: ServerContext, headers: Headers): Promise<string> {
  const name = cookieNames(ctx.config.secure).session
  const value = readCookie(headers, name)
  if (value) await ctx.config.store.sessions.delete(sha256(value))
  return expireCookie(name, ctx.config.secure)
}

/**
 * A per-browser random value that binds pending interactions to the browser that started them, so a
 * link to `/interaction/…` is useless in another browser. Reused across tabs.
 */
export function browserBinding(ctx: ServerContext, headers: Headers): { value: string; cookie: string | undefined } {
  const name = cookieNames(ctx.config.secure).browser
  const existing = readCookie(headers, name)
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return { value: existing, cookie: undefined }
  const value = randomToken(32)
  return { value, cookie: serializeCookie(name, value, { secure: ctx.config.secure }) }
}

export function readBrowserBinding(ctx: ServerContext, headers: Headers): string | undefined {
  return readCookie(headers, cookieNames(ctx.config.secure).browser)
}

/** A CSRF token for forms not tied to an interaction (logout), keyed to the session with the secret. */
export function sessionCsrfToken(ctx: ServerContext, sessionIdHash: string, purpose: string): string {
  return createHmac('sha256', ctx.config.secret).update(`${purpose}:${sessionIdHash}`).digest('base64url')
}

export function checkCsrfToken(expected: string, presented: string | undefined): boolean {
  return presented !== undefined && safeEqual(expected, presented)
}

/**
 * Same-origin check for form posts (ASVS 3.5.3): browsers send `Origin` on POST; when present it must be
 * the issuer's origin. Absent `Origin` falls back to the CSRF token alone.
 */
export function isSameOrigin(ctx: ServerContext, headers: Headers): boolean {
  const origin = headers.get('origin')
  // Fetch §3.1 (append a request `Origin` header): under our `Referrer-Policy: no-referrer`, browsers send
  // `Origin: null` even on same-origin posts; Fetch Metadata then tells, and without it the CSRF token alone.
  if (origin === 'null') return [null, 'same-origin'].includes(headers.get('sec-fetch-site'))
  return origin === null || origin === new URL(ctx.config.issuer).origin
}
