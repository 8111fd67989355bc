import { isUnusablePasswordHash, verifyPassword } from '../../crypto/passwords.js'
import type { OAuthRequest } from '../../http/types.js'
import type { ServerContext } from '../context.js'
import type { Translator } from '../pages.js'
import type { CurrentSession } from '../session.js'
import { REAUTHENTICATED } from './records.js'

/**
 * Changing a second factor or a passkey needs a password entered within this many seconds (ASVS 6.4.5-style
 * re-authentication, catalogue MF-05).
 */
export const REAUTHENTICATION_SECONDS = 5 * 60

/** The sign-in is recent: the session began within the window, or the password was entered again since. */
export async function recentlyAuthenticated(ctx: ServerContext, session: CurrentSession): Promise<boolean> {
  const now = ctx.config.now()
  if (now - session.record.auth_time < REAUTHENTICATION_SECONDS) return true
  return (await ctx.config.store.records.get(REAUTHENTICATED, session.record.id_hash, now)) !== undefined
}

/** The outcome of a password entered again: a refusal carries the page's status, its text and, when throttled, `Retry-After`. */
export type Reauthentication = { ok: true } | { ok: false; status: 400 | 429; error: string; retryAfter?: number | undefined }

/**
 * The password entered again on a settings page (two-factor, passkeys): limited and audited as a sign-in
 * attempt is (a wrong password here counts against the account like one at the login page), and on success
 * the session counts as recent for `REAUTHENTICATION_SECONDS`. An account without a usable password (one
 * created by federation) never passes.
 */
export async function reauthenticate(ctx: ServerContext, t: Translator, session: CurrentSession, request: OAuthRequest, password: string): Promise<Reauthentication> {
  const user = session.user
  const now = ctx.config.now()
  const gate = await ctx.loginThrottle.check(user.username, request.remoteAddress, now)
  if (!gate.allowed) return { ok: false, status: 429, error: t.text('twoFactor.error.tooManyAttempts'), retryAfter: gate.retryAfter }
  if (isUnusablePasswordHash(user.password_hash) || !(await verifyPassword(user.password_hash, password))) {
    await ctx.loginThrottle.failed(user.username, request.remoteAddress, now)
    void ctx.audit.record({ type: 'login.failed', username: user.username, user_id: user.id, client_id: '', reason: 'wrong_password', client_address: request.remoteAddress ?? null })
    return { ok: false, status: 400, error: t.text('twoFactor.error.wrongPassword') }
  }
  await ctx.loginThrottle.succeeded(user.username)
  await ctx.config.store.records.put(REAUTHENTICATED, { key: session.record.id_hash, value: {}, expiresAt: now + REAUTHENTICATION_SECONDS, subject: user.id }, { replace: true })
  return { ok: true }
}
