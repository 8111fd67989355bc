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

/** The signed-in user's provider session as a request presents it (its cookie), with the user it belongs to. */
export interface CurrentSession {
  record: LoginSessionRecord
  user: UserRecord
  /**
   * A renewed session cookie carrying this use as the last activity, when the one presented is more than
   * a minute old: responses that serve the session send it, so that an active session stays alive.
   */
  renewedCookie: string | undefined
}

/*
 * Idle timeout (ASVS 7.3.1, catalogue SC-09). The session cookie is `<id>.<last use>.<MAC>`: the last use,
 * in seconds, is authenticated with the server secret, so a browser cannot make an old cookie look fresh,
 * and a cookie copied and left unused dies after the idle timeout like the session it names. The time
 * travels in the cookie rather than the store because only the provider's own endpoints read the session
 * and they control their responses: an active session costs no store write per request on any instance.
 * The absolute lifetime stays in the store record (`expires_at`).
 */
/** Rewriting the cookie at most once a minute (sooner only under very short idle timeouts) is enough. */
const renewAfter = (idle: number): number => Math.min(60, Math.floor(idle / 4))

function activityMac(secret: string, id: string, seen: number): string {
  return createHmac('sha256', secret).update(`tessera-session-activity:${id}.${seen}`).digest('base64url').slice(0, 22)
}

function sessionCookieValue(ctx: ServerContext, id: string, seen: number): string {
  return `${id}.${seen.toString(36)}.${activityMac(ctx.config.secret, id, seen)}`
}

/** The session id and its authenticated last use, or undefined for a malformed or forged value. */
function parseSessionCookie(ctx: ServerContext, value: string): { id: string; seen: number } | undefined {
  const match = /^([A-Za-z0-9_-]{43})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/.exec(value)
  if (!match) return undefined
  const [, id = '', seenText = '', mac = ''] = match
  const seen = parseInt(seenText, 36)
  // During a secret rotation a cookie written under an older secret stays valid until it is next renewed.
  const valid = [ctx.config.secret, ...ctx.config.previousSecrets].some((secret) => safeEqual(mac, activityMac(secret, id, seen)))
  return valid ? { id, seen } : undefined
}

/** The id part of the session cookie, for store lookups; anything else yields nothing. */
function sessionIdFrom(ctx: ServerContext, headers: Headers): string | undefined {
  const value = readCookie(headers, cookieNames(ctx.config.secure).session)
  return value === undefined ? undefined : parseSessionCookie(ctx, value)?.id
}

function sessionCookie(ctx: ServerContext, record: LoginSessionRecord, id: string, now: number): string {
  // The browser may forget the cookie when the session would end anyway: idle or absolute, whichever first.
  const maxAge = Math.min(ctx.config.lifetimes.sessionIdle, record.expires_at - now)
  return serializeCookie(cookieNames(ctx.config.secure).session, sessionCookieValue(ctx, id, now), { secure: ctx.config.secure, maxAge })
}

/**
 * The provider login session of this browser, if it is valid, was used within the idle timeout and its
 * user still exists and is not disabled.
 */
export async function currentSession(ctx: ServerContext, headers: Headers): Promise<CurrentSession | undefined> {
  const value = readCookie(headers, cookieNames(ctx.config.secure).session)
  if (!value) return undefined
  const parsed = parseSessionCookie(ctx, value)
  if (!parsed) return undefined
  const now = ctx.config.now()
  const idHash = sha256(parsed.id)
  // An idle cookie is refused, not used to delete the session: it may be an old copy while the browser
  // holds a fresh one, and no one without the secret can make it fresh again.
  if (now - parsed.seen >= ctx.config.lifetimes.sessionIdle) return undefined
  const record = await ctx.config.store.sessions.get(idHash, now)
  if (!record) return undefined
  const user = await ctx.config.store.users.get(record.user_id)
  // A disabled user's session is not honoured, even one that outlived the switch.
  if (!user || user.disabled) return undefined
  const renewedCookie = now - parsed.seen >= renewAfter(ctx.config.lifetimes.sessionIdle) ? sessionCookie(ctx, record, parsed.id, now) : undefined
  return { record, user, renewedCookie }
}

/**
 * Starts a login session with a fresh identifier and ends the previous one, so an identifier planted
 * before login is worthless after it (session fixation, ASVS 7.2.4).
 */
export async function startSession(
  ctx: ServerContext,
  headers: Headers,
  user: UserRecord,
  authTime: number,
  methods: { amr?: string[]; acr?: string } = {},
): Promise<{ record: LoginSessionRecord; cookie: string }> {
  const previous = sessionIdFrom(ctx, headers)
  if (previous) await ctx.config.store.sessions.delete(sha256(previous))
  const id = randomToken(32)
  const now = ctx.config.now()
  const record: LoginSessionRecord = {
    id_hash: sha256(id),
    sid: randomToken(16),
    user_id: user.id,
    auth_time: authTime,
    created_at: now,
    expires_at: now + ctx.config.lifetimes.session,
    ...(methods.amr ? { amr: methods.amr } : {}),
    ...(methods.acr ? { acr: methods.acr } : {}),
  }
  await ctx.config.store.sessions.create(record)
  return { record, cookie: sessionCookie(ctx, record, id, now) }
}

export async function endSession(ctx: ServerContext, headers: Headers): Promise<string> {
  const id = sessionIdFrom(ctx, headers)
  if (id) await ctx.config.store.sessions.delete(sha256(id))
  return expireCookie(cookieNames(ctx.config.secure).session, ctx.config.secure)
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
export function sessionCsrfToken(ctx: ServerContext, sessionIdHash: string, purpose: string, secret = ctx.config.secret): string {
  return createHmac('sha256', secret).update(`${purpose}:${sessionIdHash}`).digest('base64url')
}

/** Whether `presented` is the session's CSRF token for `purpose` under the secret or, while rotating, an older one. */
export function checkSessionCsrfToken(ctx: ServerContext, sessionIdHash: string, purpose: string, presented: string | undefined): boolean {
  if (presented === undefined) return false
  return [ctx.config.secret, ...ctx.config.previousSecrets].some((secret) => safeEqual(sessionCsrfToken(ctx, sessionIdHash, purpose, secret), presented))
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
