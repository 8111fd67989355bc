import { Parameters } from '../../http/form.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { StorageConflictError } from '../../storage/types.js'
import { createUser } from '../admin.js'
import type { ServerContext } from '../context.js'
import { languageOf, type MessageKey } from '../pages.js'
import { alreadyRegisteredMail, usernameTakenMail, verifyAddressMail } from './mail-messages.js'
import type { AccountSettings } from './options.js'
import { formPage, publicCsrf, publicFormOrErrorPage } from './public-form.js'
import { EMAIL_VERIFICATION, issueTicket } from './records.js'
import { resendUrl } from './resend-verification.js'
import { isEmailAddress, mayMail, normalizeEmail, sendLater } from './send-mail.js'

/*
 * Self-registration (off by default). The answer never tells whether the address or the username is taken
 * (catalogue AC-02, ASVS 6.3.8): every valid form gets the same "check your inbox" page, and the work — the
 * lookups, the Argon2id hash, the new account — happens after it. The address's owner learns the rest by mail:
 * a confirmation link, "you already have an account", or "that username is taken".
 */

const PURPOSE = 'register'

function registerUrl(ctx: ServerContext): string {
  return `${ctx.config.issuer}/account/register`
}

function registrationForm(ctx: ServerContext, request: OAuthRequest, status: number, values: { username?: string; email?: string } = {}, error?: MessageKey): OAuthResponse {
  const csrf = publicCsrf(ctx, request, PURPOSE)
  const t = languageOf(ctx, request.headers)
  return formPage(ctx, status, {
    title: t.text('register.title'), csrfToken: csrf.token, ...(error ? { error: t.text(error) } : {}),
    form: {
      action: registerUrl(ctx), submitLabel: t.text('register.submit'),
      fields: [
        { name: 'username', label: t.text('register.username'), type: 'text', value: values.username ?? '', autocomplete: 'username' },
        { name: 'email', label: t.text('register.email'), type: 'email', value: values.email ?? '', autocomplete: 'email' },
        { name: 'password', label: t.text('register.password'), type: 'password', autocomplete: 'new-password' },
      ],
    },
  }, csrf.cookie, t)
}

/** GET /account/register */
export function showRegistration(ctx: ServerContext, request: OAuthRequest): OAuthResponse {
  return registrationForm(ctx, request, 200)
}

/** POST /account/register */
export function register(settings: AccountSettings) {
  return (ctx: ServerContext, request: OAuthRequest): OAuthResponse => {
    const params = publicFormOrErrorPage(ctx, request, PURPOSE)
    if (!(params instanceof Parameters)) return params
    const username = params.get('username') ?? ''
    const email = normalizeEmail(params.get('email') ?? '')
    const password = params.get('password') ?? ''
    // Only checks of the form itself, which say nothing about other accounts.
    if (!/^[\x21-\x7E]{1,128}$/.test(username)) return registrationForm(ctx, request, 400, { username, email }, 'register.badUsername')
    if (!isEmailAddress(email)) return registrationForm(ctx, request, 400, { username, email }, 'register.badEmail')
    if (password.length < 8 || password.length > 256) return registrationForm(ctx, request, 400, { username, email }, 'register.weakPassword')
    const address = request.remoteAddress ?? null
    const product = ctx.config.productName
    const t = languageOf(ctx, request.headers)
    sendLater(ctx, settings, (async () => {
      if (!(await mayMail(ctx, settings, email))) return undefined
      const users = await ctx.config.store.users.list()
      if (users.some((user) => user.email_verified && user.email !== null && normalizeEmail(user.email) === email)) {
        return alreadyRegisteredMail(t, email, product, `${ctx.config.issuer}/account/password-reset`)
      }
      let user
      try {
        user = await createUser(ctx.config.store, { username, password, email, emailVerified: false }, ctx.config.now(), { audit: ctx.audit, actor: 'user' })
      } catch (error) {
        if (error instanceof StorageConflictError) return usernameTakenMail(t, email, product, registerUrl(ctx))
        throw error
      }
      void ctx.audit.record({ type: 'account.registered', user_id: user.id, username: user.username, client_address: address })
      const token = await issueTicket(ctx, EMAIL_VERIFICATION, user.id, { user_id: user.id, email }, settings.verificationLinkLifetime)
      return verifyAddressMail(t, email, product, `${ctx.config.issuer}/account/verify-email?token=${token}`)
    })())
    return formPage(ctx, 200, { title: t.text('register.sentTitle'), csrfToken: '', lead: t.text('register.sentLead'), links: [{ href: resendUrl(ctx), label: t.text('verify.resendLink') }] }, undefined, t)
  }
}
