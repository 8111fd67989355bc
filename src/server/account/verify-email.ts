import { OAuthError } from '../../errors.js'
import { Parameters, queryParameters } from '../../http/form.js'
import { redirectResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { updateUser } from '../admin.js'
import type { ServerContext } from '../context.js'
import { errorPage, languageOf } from '../pages.js'
import { currentSession } from '../session.js'
import { formPage, publicCsrf, publicFormOrErrorPage } from './public-form.js'
import { consumeTicket, EMAIL_VERIFICATION, peekTicket } from './records.js'
import { normalizeEmail } from './send-mail.js'

/*
 * The link mailed to a new address (an e-mail change, or a new account). Opening it shows a button, and
 * only the POST uses the token: mail scanners that fetch links must not spend it. The token names one user
 * and one address (catalogue AC-05): a newer change replaces it, another signed-in user cannot use it, and
 * what it verifies is the address it was mailed to, whatever a form says.
 */

const PURPOSE = 'verify-email'
const INVALID_LINK = new OAuthError('invalid_request', 'This confirmation link is not valid any more: it was used, it expired, or a newer one was sent.')
const OTHER_ACCOUNT = new OAuthError('invalid_request', 'This link belongs to another account. Sign out first, then open it again.', { status: 403 })

function tokenOf(request: OAuthRequest): string | undefined {
  try {
    return queryParameters(request.url).get('token')
  } catch {
    return undefined
  }
}

/** GET /account/verify-email?token=… */
export async function showVerifyEmail(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  const token = tokenOf(request)
  const ticket = await peekTicket(ctx, EMAIL_VERIFICATION, token)
  if (!ticket || token === undefined) return errorPage(ctx, INVALID_LINK, languageOf(ctx, request.headers))
  const csrf = publicCsrf(ctx, request, PURPOSE)
  const t = languageOf(ctx, request.headers)
  return formPage(ctx, 200, {
    title: t.text('verify.title'), lead: t.text('verify.lead', { email: ticket.email }), csrfToken: csrf.token,
    form: { action: `${ctx.config.issuer}/account/verify-email`, submitLabel: t.text('verify.submit'), hidden: { token } },
  }, csrf.cookie, t)
}

/** POST /account/verify-email */
export async function confirmVerifyEmail(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  const params = publicFormOrErrorPage(ctx, request, PURPOSE)
  if (!(params instanceof Parameters)) return params
  const token = params.get('token')
  const session = await currentSession(ctx, request.headers)
  const seen = await peekTicket(ctx, EMAIL_VERIFICATION, token)
  if (!seen) return errorPage(ctx, INVALID_LINK, languageOf(ctx, request.headers))
  // Refused before it is used up, so the owner can still open the link in their own browser.
  if (session && session.user.id !== seen.user_id) return errorPage(ctx, OTHER_ACCOUNT, languageOf(ctx, request.headers))
  const ticket = await consumeTicket(ctx, EMAIL_VERIFICATION, token)
  if (!ticket) return errorPage(ctx, INVALID_LINK, languageOf(ctx, request.headers))
  // An address another account has verified meanwhile stays theirs: one verified owner per address.
  const holder = (await ctx.config.store.users.list()).find((user) => user.id !== ticket.user_id && user.email_verified && user.email !== null && normalizeEmail(user.email) === ticket.email)
  if (holder) return errorPage(ctx, INVALID_LINK, languageOf(ctx, request.headers))
  const user = await updateUser(ctx.config.store, ticket.user_id, { email: ticket.email, emailVerified: true }, ctx.config.now(), { audit: ctx.audit, actor: 'user' })
  if (!user) return errorPage(ctx, INVALID_LINK, languageOf(ctx, request.headers))
  void ctx.audit.record({ type: 'account.email_verified', user_id: user.id })
  if (session) return redirectResponse(`${ctx.config.issuer}/account?notice=email-verified`)
  const t = languageOf(ctx, request.headers)
  return formPage(ctx, 200, {
    title: t.text('verify.doneTitle'), csrfToken: '', lead: t.text('verify.doneLead', { email: ticket.email }),
    links: [{ href: `${ctx.config.issuer}/account`, label: t.text('verify.toAccount') }],
  }, undefined, t)
}
