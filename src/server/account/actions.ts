import { verifyPassword } from '../../crypto/passwords.js'
import type { OAuthResponse } from '../../http/types.js'
import { updateUser } from '../admin.js'
import { revokeConsent } from '../admin.js'
import type { ServerContext } from '../context.js'
import { errorPage, languageOf, htmlResponse } from '../pages.js'
import { endSession, startSession, type CurrentSession } from '../session.js'
import { OAuthError } from '../../errors.js'
import type { Parameters } from '../../http/form.js'
import type { OAuthRequest } from '../../http/types.js'
import { endingSessions, liveSessions, revocationHorizon, revokeAllGrants } from './grants.js'
import { addressChangeNoticeMail, passwordChangedMail, verifyAddressMail } from './mail-messages.js'
import type { AccountSettings } from './options.js'
import { backToAccount } from './page.js'
import { EMAIL_VERIFICATION, issueTicket, PASSWORD_RESET } from './records.js'
import { isEmailAddress, normalizeEmail, sendLater } from './send-mail.js'
import { LOGIN_SESSION } from '../../storage/kinds/sessions.js'
import { sessionsEnded } from '../session-events.js'

type Form = { session: CurrentSession; params: Parameters }

/** What no object of this user answers to: the same for someone else's id and for none (catalogue AC-07). */
const NOT_YOURS = new OAuthError('invalid_request', 'There is no such item on your account.', { status: 404 })

const NAME_FIELDS = [['name', 'name'], ['given_name', 'givenName'], ['family_name', 'familyName']] as const

/** POST /account/profile: the name fields; empty clears one. */
export async function saveProfile(ctx: ServerContext, _request: OAuthRequest, { session, params }: Form): Promise<OAuthResponse> {
  const changes: { name?: string | null; givenName?: string | null; familyName?: string | null } = {}
  for (const [field, key] of NAME_FIELDS) {
    // A field sent empty clears the claim (Parameters.get takes empty for omitted, as RFC 6749 §3.1 wants).
    if (!params.has(field)) continue
    const value = (params.get(field) ?? '').trim()
    if (value.length > 256) return backToAccount(ctx, session, { error: 'bad-profile' })
    changes[key] = value === '' ? null : value
  }
  await updateUser(ctx.config.store, session.user.id, changes, ctx.config.now(), { audit: ctx.audit, actor: 'user' })
  return backToAccount(ctx, session, { notice: 'profile' })
}

/**
 * POST /account/email: mails a link to the new address; the account keeps its address until the link is
 * used (catalogue AC-05), and the old address hears of it (ASVS 6.3.6 is about notifying on such changes).
 */
export function requestEmailChange(settings: AccountSettings) {
  return async (ctx: ServerContext, request: OAuthRequest, { session, params }: Form): Promise<OAuthResponse> => {
    if (!settings.mailer) return backToAccount(ctx, session, { error: 'no-mail' })
    const email = normalizeEmail(params.get('email') ?? '')
    if (!isEmailAddress(email)) return backToAccount(ctx, session, { error: 'bad-email' })
    const { user } = session
    const token = await issueTicket(ctx, EMAIL_VERIFICATION, user.id, { user_id: user.id, email }, settings.verificationLinkLifetime)
    const t = languageOf(ctx, request.headers)
    sendLater(ctx, settings, verifyAddressMail(t, email, ctx.config.productName, `${ctx.config.issuer}/account/verify-email?token=${token}`))
    if (user.email !== null && user.email !== email) sendLater(ctx, settings, addressChangeNoticeMail(t, user.email, ctx.config.productName))
    void ctx.audit.record({ type: 'account.email_change_requested', user_id: user.id })
    return backToAccount(ctx, session, { notice: 'email-sent' })
  }
}

/**
 * POST /account/password: the current password, then the new one (Argon2id). Every session of the user
 * ends but this browser's, which gets a fresh one; every grant at every client is revoked, so apps must
 * sign the user in again (ASVS 7.4.3); earlier reset links stop working.
 */
export function changePassword(settings: AccountSettings) {
  return async (ctx: ServerContext, request: OAuthRequest, { session, params }: Form): Promise<OAuthResponse> => {
    const current = params.get('current_password') ?? ''
    const next = params.get('new_password') ?? ''
    if (!(await verifyPassword(session.user.password_hash, current))) return backToAccount(ctx, session, { error: 'wrong-password' })
    if (next.length < 8 || next.length > 256) return backToAccount(ctx, session, { error: 'weak-password' })
    await sessionsEnded(ctx, await endingSessions(ctx, session.user.id), 'password_changed')
    const user = await updateUser(ctx.config.store, session.user.id, { password: next }, ctx.config.now(), { audit: ctx.audit, actor: 'user' })
    if (!user) return errorPage(ctx, NOT_YOURS, languageOf(ctx, request.headers))
    // updateUser ended every session, this one included; the browser that changed the password keeps going
    // with a new session of the same sign-in time, methods and level (a password change is not a new login:
    // it neither raises nor lowers what the sign-in proved, src/server/mfa/).
    const { amr, acr } = session.record
    const fresh = await startSession(ctx, request.headers, user, session.record.auth_time, { ...(amr ? { amr } : {}), ...(acr ? { acr } : {}) })
    const revoked = await revokeAllGrants(ctx, user.id)
    await ctx.config.store.records.deleteBySubject(user.id, PASSWORD_RESET)
    void ctx.audit.record({ type: 'account.password_changed', user_id: user.id, revoked_grants: revoked })
    if (user.email && user.email_verified) sendLater(ctx, settings, passwordChangedMail(languageOf(ctx, request.headers), user.email, ctx.config.productName))
    return backToAccount(ctx, undefined, { notice: 'password' }, [fresh.cookie])
  }
}

/** POST /account/apps/revoke: forgets the consent and revokes every grant of the app (refresh and access tokens). */
export async function revokeApp(ctx: ServerContext, request: OAuthRequest, { session, params }: Form): Promise<OAuthResponse> {
  const clientId = params.get('client_id') ?? ''
  // Only the session user's own consents are found: someone else's client id is as unknown as a made-up one.
  if (!(await ctx.config.store.consents.get(session.user.id, clientId))) return errorPage(ctx, NOT_YOURS, languageOf(ctx, request.headers))
  await revokeConsent(ctx.config.store, session.user.id, clientId, revocationHorizon(ctx), { audit: ctx.audit, actor: 'user' })
  return backToAccount(ctx, session, { notice: 'app-revoked' })
}

/** POST /account/sessions/revoke: ends one of the user's sessions, named by its public id (`sid`). */
export async function revokeSession(ctx: ServerContext, request: OAuthRequest, { session, params }: Form): Promise<OAuthResponse> {
  const sid = params.get('session') ?? ''
  const target = (await liveSessions(ctx.config.store, session.user.id, ctx.config.now())).find((entry) => entry.sid === sid)
  if (!target) return errorPage(ctx, NOT_YOURS, languageOf(ctx, request.headers))
  await sessionsEnded(ctx, [{ sid: target.sid, user_id: session.user.id }], 'revoked')
  await ctx.config.store.records.delete(LOGIN_SESSION, target.key)
  void ctx.audit.record({ type: 'account.session_revoked', user_id: session.user.id, sid })
  // Signing out this very browser leads to the login page, as the account page does without a session.
  return backToAccount(ctx, target.key === session.record.id_hash ? undefined : session, { notice: 'session-revoked' })
}

/**
 * POST /account/sessions/revoke-all: "sign out everywhere" ends every session of the user, this one too.
 * Apps keep the tokens they were granted (disconnect an app, or change the password, to end those).
 */
export async function revokeAllSessions(ctx: ServerContext, request: OAuthRequest, { session }: Form): Promise<OAuthResponse> {
  const ending = await endingSessions(ctx, session.user.id)
  const count = ending.length
  await sessionsEnded(ctx, ending, 'revoked')
  await ctx.config.store.sessions.deleteByUser(session.user.id)
  const expired = await endSession(ctx, request.headers)
  void ctx.audit.record({ type: 'account.sessions_revoked', user_id: session.user.id, count })
  return htmlResponse(ctx, 200, (pages, nonce, env) => pages.loggedOut({}, nonce, env), { cookies: [expired], language: languageOf(ctx, request.headers) })
}
