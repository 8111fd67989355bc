import type { AccountSection, Capability, Endpoint, ServerContext, SubRoute } from '../context.js'
import { changePassword, requestEmailChange, revokeAllSessions, revokeApp, revokeSession, saveProfile } from './actions.js'
import { ACCOUNT_AUDIT_EVENTS } from './audit-events.js'
import { resolveAccountOptions, type AccountOptions } from './options.js'
import { accountAction, showAccount } from './page.js'
import { confirmReset, requestReset, sendResetMail, showNewPassword, showResetRequest, type ResetMailRefusal } from './password-reset.js'
import { register, showRegistration } from './registration.js'
import { resendOwnVerification, resendVerification, showResendVerification } from './resend-verification.js'
import { connectedAppsSection, passwordSection, profileSection, sessionsSection } from './sections.js'
import { accountCallback, accountClientSource } from './sign-in.js'
import { confirmVerifyEmail, showVerifyEmail } from './verify-email.js'
import type { UserRecord } from '../../storage/types.js'

export { checkAccountForm, backToAccount } from './page.js'
export { ACCOUNT_CLIENT_ID } from './sign-in.js'
export { liveSessions, type LiveSession } from './grants.js'
export type { AccountOptions } from './options.js'
export type { ResetMailRefusal } from './password-reset.js'
export { PASSWORD_RESET, EMAIL_VERIFICATION, type PasswordResetTicket, type EmailVerificationTicket } from './records.js'

/** Sends a user the reset mail of "Forgot password?"; undefined when it went, else why it cannot. */
export type ResetMailSender = (ctx: ServerContext, user: UserRecord) => Promise<ResetMailRefusal | undefined>

/** The reset mail of each account capability with mail, found by the capability itself (no member of `Capability` for one feature). */
const resetSenders = new WeakMap<Capability, ResetMailSender>()

/**
 * How this server sends a user the password-reset mail, for an administrator's request (the admin API):
 * the registered account capability's, when it has mail; undefined otherwise.
 */
export function resetMailSender(ctx: ServerContext): ResetMailSender | undefined {
  for (const capability of ctx.registry.capabilities) {
    const sender = resetSenders.get(capability)
    if (sender) return sender
  }
  return undefined
}

/** `/account/verify-email/resend`: a new confirmation link for an address typed in (after sign-up). */
function resendRoute(resend: ReturnType<typeof resendVerification>): SubRoute {
  return { pattern: /^\/verify-email\/resend$/, methods: ['GET', 'POST'], handle: (ctx, request) => (request.method === 'POST' ? resend(ctx, request) : showResendVerification(ctx, request)) }
}

/**
 * Account self-service: `/account` for the signed-in user (profile, e-mail change, password change,
 * connected apps, sessions, and the sections other capabilities register through `accountSections`), and
 * with `mail`: password reset by mail (linked from the login page), address verification and, if
 * `registration` is on, self-registration. Not signed in, `/account` goes through the login page
 * (`/authorize` with a built-in first-party client, `urn:tessera:account`) and back.
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [
 *   accountSelfService({ mail: { url: 'smtp://localhost:2525', from: 'Tessera <no-reply@example.com>' }, registration: true }),
 * ] })
 * ```
 * @see docs/architecture.md, README "Account self-service"
 */
export function accountSelfService(options: AccountOptions = {}): Capability {
  const settings = resolveAccountOptions(options)
  const post = (pattern: RegExp, handle: Parameters<typeof accountAction>[0]): SubRoute => ({ pattern, methods: ['POST'], handle: accountAction(handle) })
  const endpoints: Endpoint[] = [
    {
      name: 'account', path: '/account', methods: ['GET'], html: true, handle: (ctx, request) => showAccount(ctx, request),
      below: [
        { pattern: /^\/callback$/, methods: ['GET'], handle: (ctx, request) => accountCallback(ctx, request) },
        post(/^\/profile$/, saveProfile),
        post(/^\/email$/, requestEmailChange(settings)),
        post(/^\/email\/resend$/, resendOwnVerification(settings)),
        post(/^\/password$/, changePassword(settings)),
        post(/^\/apps\/revoke$/, revokeApp),
        post(/^\/sessions\/revoke$/, revokeSession),
        post(/^\/sessions\/revoke-all$/, revokeAllSessions),
        {
          pattern: /^\/verify-email$/, methods: ['GET', 'POST'],
          handle: (ctx, request) => (request.method === 'POST' ? confirmVerifyEmail(ctx, request) : showVerifyEmail(ctx, request)),
        },
        ...(settings.mailer ? [resendRoute(resendVerification(settings))] : []),
      ],
    },
  ]
  if (settings.mailer) {
    const confirm = confirmReset(settings)
    const requested = requestReset(settings)
    endpoints.push({
      // Its name is what the login page looks for to offer "Forgot password?".
      name: 'passwordReset', path: '/account/password-reset', methods: ['GET', 'POST'], html: true,
      handle: (ctx, request) => (request.method === 'POST' ? requested(ctx, request) : showResetRequest(ctx, request)),
      below: [{ pattern: /^\/confirm$/, methods: ['GET', 'POST'], handle: (ctx, request) => (request.method === 'POST' ? confirm(ctx, request) : showNewPassword(ctx, request)) }],
    })
  }
  if (settings.registration) {
    const registered = register(settings)
    endpoints.push({
      name: 'accountRegistration', path: '/account/register', methods: ['GET', 'POST'], html: true,
      handle: (ctx, request) => (request.method === 'POST' ? registered(ctx, request) : showRegistration(ctx, request)),
    })
  }
  const sections: AccountSection[] = [profileSection(settings), passwordSection, connectedAppsSection, sessionsSection]
  const capability: Capability = {
    name: 'account',
    spec: 'ASVS 6.3, 6.4, 7.4 (account self-service)',
    endpoints,
    clientSource: accountClientSource,
    accountSections: sections,
    auditEvents: ACCOUNT_AUDIT_EVENTS,
  }
  if (settings.mailer) resetSenders.set(capability, sendResetMail(settings))
  return capability
}
