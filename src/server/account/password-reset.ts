import { OAuthError } from '../../errors.js'
import { Parameters, queryParameters } from '../../http/form.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import type { UserRecord } from '../../storage/types.js'
import { updateUser } from '../admin.js'
import type { ServerContext } from '../context.js'
import { errorPage, languageOf, type MessageKey, type Translator } from '../pages.js'
import { endingSessions, revokeAllGrants } from './grants.js'
import { sessionsEnded } from '../session-events.js'
import { passwordChangedMail, passwordResetMail } from './mail-messages.js'
import type { MailMessage } from '../mail/mailer.js'
import type { AccountSettings } from './options.js'
import { formPage, publicCsrf, publicFormOrErrorPage } from './public-form.js'
import { consumeTicket, issueTicket, passwordDigest, peekTicket, PASSWORD_RESET, type PasswordResetTicket } from './records.js'
import { isEmailAddress, mayMail, normalizeEmail, sendLater } from './send-mail.js'

/*
 * Password reset by mail (ASVS 6.4.3; catalogue AC-01, AC-02, AC-04). Step 1 takes an address and always
 * answers "check your inbox"; only the mailed token (256 bits, stored as its SHA-256, single use, the
 * newest only, dead once the password changes) opens step 2. Step 2 sets the password and signs the user
 * in nowhere: every session and grant ends, and the user signs in again through the login page — the
 * one place where a second factor is asked for, so a reset never skips it.
 */

const PURPOSE = 'password-reset'
const INVALID_LINK = new OAuthError('invalid_request', 'This password reset link is not valid any more: it was used, it expired, or a newer one was sent. Ask for a new one.')

function resetUrl(ctx: ServerContext): string {
  return `${ctx.config.issuer}/account/password-reset`
}

/** A verified address only: an unverified one proves nothing about who reads it (catalogue AC-05). */
export async function userByVerifiedEmail(ctx: ServerContext, email: string): Promise<UserRecord | undefined> {
  // The store has no index by address: the users are listed, the same work for a known and an unknown one.
  const users = await ctx.config.store.users.list()
  return users.find((user) => user.email !== null && user.email_verified && normalizeEmail(user.email) === email)
}

function requestForm(ctx: ServerContext, request: OAuthRequest, status: number, error?: MessageKey): OAuthResponse {
  const csrf = publicCsrf(ctx, request, PURPOSE)
  const t = languageOf(ctx, request.headers)
  return formPage(ctx, status, {
    title: t.text('reset.title'), lead: t.text('reset.lead'),
    csrfToken: csrf.token, ...(error ? { error: t.text(error) } : {}),
    form: { action: resetUrl(ctx), submitLabel: t.text('reset.submit'), fields: [{ name: 'email', label: t.text('reset.email'), type: 'email', autocomplete: 'email' }] },
  }, csrf.cookie, t)
}

/** GET /account/password-reset */
export function showResetRequest(ctx: ServerContext, request: OAuthRequest): OAuthResponse {
  return requestForm(ctx, request, 200)
}

/**
 * POST /account/password-reset: the same page, status and headers whether or not the address has an
 * account; the lookup, the token and the mail happen after the answer (catalogue AC-02).
 */
export function requestReset(settings: AccountSettings) {
  return (ctx: ServerContext, request: OAuthRequest): OAuthResponse => {
    const params = publicFormOrErrorPage(ctx, request, PURPOSE)
    if (!(params instanceof Parameters)) return params
    const email = normalizeEmail(params.get('email') ?? '')
    if (!isEmailAddress(email)) return requestForm(ctx, request, 400, 'reset.badEmail')
    const address = request.remoteAddress ?? null
    const t = languageOf(ctx, request.headers)
    sendLater(ctx, settings, (async () => {
      const user = await userByVerifiedEmail(ctx, email)
      if (!user || user.email === null || !(await mayMail(ctx, settings, email))) return undefined
      const mail = await resetMail(ctx, settings, user, user.email, t)
      void ctx.audit.record({ type: 'account.password_reset_requested', user_id: user.id, client_address: address })
      return mail
    })())
    return formPage(ctx, 200, { title: t.text('reset.sentTitle'), csrfToken: '', lead: t.text('reset.sentLead') }, undefined, t)
  }
}

/**
 * A new reset link for `user` (the only live one: earlier links die, catalogue AC-01) in the mail to `to`.
 * The token is in the mail only; the store keeps its SHA-256.
 */
async function resetMail(ctx: ServerContext, settings: AccountSettings, user: UserRecord, to: string, t: Translator): Promise<MailMessage> {
  const token = await issueTicket(ctx, PASSWORD_RESET, user.id, { user_id: user.id, password_digest: passwordDigest(user) }, settings.resetLinkLifetime)
  return passwordResetMail(t, to, ctx.config.productName, `${resetUrl(ctx)}/confirm?token=${token}`, Math.floor(settings.resetLinkLifetime / 60))
}

/** Why an administrator's reset mail cannot go to a user: no address that proves who reads it (catalogue AC-05). */
export type ResetMailRefusal = 'no_verified_email'

/**
 * Sends `user` the reset mail of "Forgot password?" at an administrator's request (the admin API's
 * `POST /users/{id}/password-reset`): to their verified address only, the link made before this returns
 * and mailed after it (a slow SMTP server does not hold the caller). Not counted against the public form's
 * hourly limit: the caller is an authenticated administrator.
 */
export function sendResetMail(settings: AccountSettings) {
  return async (ctx: ServerContext, user: UserRecord): Promise<ResetMailRefusal | undefined> => {
    if (user.email === null || !user.email_verified) return 'no_verified_email'
    sendLater(ctx, settings, await resetMail(ctx, settings, user, user.email, languageOf(ctx, undefined)))
    return undefined
  }
}

/** The ticket's user, if the ticket still matches their password (no change since it was mailed). */
async function ticketUser(ctx: ServerContext, ticket: PasswordResetTicket | undefined): Promise<UserRecord | undefined> {
  if (!ticket) return undefined
  const user = await ctx.config.store.users.get(ticket.user_id)
  return user && passwordDigest(user) === ticket.password_digest ? user : undefined
}

function tokenOf(request: OAuthRequest): string | undefined {
  try {
    return queryParameters(request.url).get('token')
  } catch {
    return undefined
  }
}

function newPasswordForm(ctx: ServerContext, request: OAuthRequest, token: string, status: number, error?: MessageKey): OAuthResponse {
  const csrf = publicCsrf(ctx, request, PURPOSE)
  const t = languageOf(ctx, request.headers)
  return formPage(ctx, status, {
    title: t.text('reset.newTitle'), csrfToken: csrf.token, ...(error ? { error: t.text(error) } : {}),
    lead: t.text('reset.newLead'),
    form: {
      action: `${resetUrl(ctx)}/confirm`, submitLabel: t.text('reset.newSubmit'), hidden: { token },
      fields: [{ name: 'new_password', label: t.text('reset.newPassword'), type: 'password', autocomplete: 'new-password' }],
    },
  }, csrf.cookie, t)
}

/** GET /account/password-reset/confirm?token=…: the form, only for a live token (catalogue AC-04). */
export async function showNewPassword(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  const token = tokenOf(request)
  const user = await ticketUser(ctx, await peekTicket(ctx, PASSWORD_RESET, token))
  if (!user || token === undefined) return errorPage(ctx, INVALID_LINK, languageOf(ctx, request.headers))
  return newPasswordForm(ctx, request, token, 200)
}

/** POST /account/password-reset/confirm: uses the token up (one success per token, ever) and sets the password. */
export function confirmReset(settings: AccountSettings) {
  return async (ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> => {
    const params = publicFormOrErrorPage(ctx, request, PURPOSE)
    if (!(params instanceof Parameters)) return params
    const token = params.get('token')
    const password = params.get('new_password') ?? ''
    // Checked before the token is used up, so a too-short password does not cost the user their link.
    if (password.length < 8 || password.length > 256) {
      if (!(await ticketUser(ctx, await peekTicket(ctx, PASSWORD_RESET, token))) || token === undefined) return errorPage(ctx, INVALID_LINK, languageOf(ctx, request.headers))
      return newPasswordForm(ctx, request, token, 400, 'reset.weakPassword')
    }
    const user = await ticketUser(ctx, await consumeTicket(ctx, PASSWORD_RESET, token))
    if (!user) return errorPage(ctx, INVALID_LINK, languageOf(ctx, request.headers))
    await sessionsEnded(ctx, await endingSessions(ctx, user.id), 'password_changed')
    // updateUser ends every session of the user (ASVS 7.4.3); the grants follow.
    await updateUser(ctx.config.store, user.id, { password }, ctx.config.now(), { audit: ctx.audit, actor: 'user' })
    await revokeAllGrants(ctx, user.id)
    await ctx.config.store.records.deleteBySubject(user.id, PASSWORD_RESET)
    void ctx.audit.record({ type: 'account.password_reset', user_id: user.id, client_address: request.remoteAddress ?? null })
    const t = languageOf(ctx, request.headers)
    if (user.email) sendLater(ctx, settings, passwordChangedMail(t, user.email, ctx.config.productName))
    return formPage(ctx, 200, {
      title: t.text('reset.doneTitle'), csrfToken: '',
      lead: t.text('reset.doneLead'),
      links: [{ href: `${ctx.config.issuer}/account`, label: t.text('reset.signIn') }],
    }, undefined, t)
  }
}
