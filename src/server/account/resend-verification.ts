import { Parameters } from '../../http/form.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { addressGroup } from '../abuse/address-group.js'
import type { ServerContext } from '../context.js'
import { languageOf, type MessageKey } from '../pages.js'
import type { CurrentSession } from '../session.js'
import { verifyAddressMail } from './mail-messages.js'
import type { AccountSettings } from './options.js'
import { backToAccount } from './page.js'
import { formPage, publicCsrf, publicFormOrErrorPage } from './public-form.js'
import { EMAIL_VERIFICATION, issueTicket } from './records.js'
import { isEmailAddress, mayMail, normalizeEmail, sendLater } from './send-mail.js'

/*
 * "Send the confirmation link again": from the page after sign-up (no session: an address is typed) and
 * from the account page (the signed-in user's pending or unverified address). Each resend issues a fresh
 * link and the older ones stop working (records.ts `issueTicket`). The public form answers the same page
 * whether or not an account waits for that address (catalogue AC-02): the lookup and the mail happen after
 * the answer; mails per address are limited as for the other public forms, and requests per client address
 * (an IPv6 address by its /64) so that one source cannot walk a list of addresses.
 */

const PURPOSE = 'verify-resend'

export function resendUrl(ctx: ServerContext): string {
  return `${ctx.config.issuer}/account/verify-email/resend`
}

function resendForm(ctx: ServerContext, request: OAuthRequest, status: number, error?: MessageKey): OAuthResponse {
  const csrf = publicCsrf(ctx, request, PURPOSE)
  const t = languageOf(ctx, request.headers)
  return formPage(ctx, status, {
    title: t.text('verify.resendTitle'), lead: t.text('verify.resendLead'),
    csrfToken: csrf.token, ...(error ? { error: t.text(error) } : {}),
    form: { action: resendUrl(ctx), submitLabel: t.text('verify.resendSubmit'), fields: [{ name: 'email', label: t.text('register.email'), type: 'email', autocomplete: 'email' }] },
  }, csrf.cookie, t)
}

/** GET /account/verify-email/resend */
export function showResendVerification(ctx: ServerContext, request: OAuthRequest): OAuthResponse {
  return resendForm(ctx, request, 200)
}

/** POST /account/verify-email/resend: one answer for every valid address; the work happens after it. */
export function resendVerification(settings: AccountSettings) {
  return async (ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> => {
    const params = publicFormOrErrorPage(ctx, request, PURPOSE)
    if (!(params instanceof Parameters)) return params
    const email = normalizeEmail(params.get('email') ?? '')
    if (!isEmailAddress(email)) return resendForm(ctx, request, 400, 'register.badEmail')
    const { counters, max, windowSeconds } = settings.mailLimit
    // Counted whatever the address: the refusal depends on the requester only, never on an account.
    const source = request.remoteAddress === undefined ? 'unknown' : addressGroup(request.remoteAddress)
    const { count } = await counters.increment(`account-resend:${source}`, windowSeconds, ctx.config.now())
    if (count > max) {
      ctx.config.logger?.warn({ event: 'account.resend_limited', client_address: request.remoteAddress ?? null, count }, 'verification resend refused: too many from one address')
      const response = resendForm(ctx, request, 429, 'verify.resendLimited')
      response.headers.set('Retry-After', String(windowSeconds))
      return response
    }
    const t = languageOf(ctx, request.headers)
    const address = request.remoteAddress ?? null
    sendLater(ctx, settings, (async () => {
      const waiting = (await ctx.config.store.users.list()).filter((user) => !user.email_verified && user.email !== null && normalizeEmail(user.email) === email)
      // One address, one mail per request: the newest account waiting for it (the one just signed up).
      const user = waiting.sort((a, b) => b.created_at - a.created_at)[0]
      if (!user || !(await mayMail(ctx, settings, email))) return undefined
      const token = await issueTicket(ctx, EMAIL_VERIFICATION, user.id, { user_id: user.id, email }, settings.verificationLinkLifetime)
      void ctx.audit.record({ type: 'account.verification_resent', user_id: user.id, client_address: address })
      return verifyAddressMail(t, email, ctx.config.productName, `${ctx.config.issuer}/account/verify-email?token=${token}`)
    })())
    return formPage(ctx, 200, { title: t.text('register.sentTitle'), csrfToken: '', lead: t.text('verify.resentLead') }, undefined, t)
  }
}

/**
 * POST /account/email/resend (signed in): a new link for the address waiting to be confirmed — the pending
 * change's, else the account's own unverified address. Limited per address like every mail of the forms.
 */
export function resendOwnVerification(settings: AccountSettings) {
  return async (ctx: ServerContext, request: OAuthRequest, { session }: { session: CurrentSession }): Promise<OAuthResponse> => {
    if (!settings.mailer) return backToAccount(ctx, session, { error: 'no-mail' })
    const { user } = session
    const now = ctx.config.now()
    const pending = (await ctx.config.store.records.listBySubject(EMAIL_VERIFICATION, user.id)).find((record) => record.consumedAt === null && record.expiresAt > now)
    const email = pending?.value.email ?? (user.email !== null && !user.email_verified ? normalizeEmail(user.email) : undefined)
    if (email === undefined) return backToAccount(ctx, session)
    if (!(await mayMail(ctx, settings, email))) return backToAccount(ctx, session, { error: 'resend-limited' })
    const token = await issueTicket(ctx, EMAIL_VERIFICATION, user.id, { user_id: user.id, email }, settings.verificationLinkLifetime)
    sendLater(ctx, settings, verifyAddressMail(languageOf(ctx, request.headers), email, ctx.config.productName, `${ctx.config.issuer}/account/verify-email?token=${token}`))
    void ctx.audit.record({ type: 'account.verification_resent', user_id: user.id, client_address: request.remoteAddress ?? null })
    return backToAccount(ctx, session, { notice: 'email-sent' })
  }
}
