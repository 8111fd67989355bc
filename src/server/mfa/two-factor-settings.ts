import { OAuthError } from '../../errors.js'
import { formParameters, type Parameters } from '../../http/form.js'
import { redirectResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import type { ServerContext } from '../context.js'
import { errorPage, languageOf, htmlResponse, type TwoFactorSettingsView, type Translator } from '../pages.js'
import { checkSessionCsrfToken, currentSession, isSameOrigin, sessionCsrfToken, type CurrentSession } from '../session.js'
import './audit-events.js'
import { confirmEnrolment, enrolmentFor, hasSecondFactor, regenerateRecoveryCodes, removeSecondFactor, verifySecondFactor, type CodeCheck } from './totp-credential.js'
import { reauthenticate, recentlyAuthenticated } from './reauthentication.js'

const CSRF_PURPOSE = 'two-factor'

type View = Omit<TwoFactorSettingsView, 'action' | 'csrfToken'>

function page(ctx: ServerContext, t: Translator, session: CurrentSession, status: number, view: View, extra: { retryAfter?: number | undefined } = {}): OAuthResponse {
  const response = htmlResponse(
    ctx,
    status,
    (pages, nonce, env) => pages.twoFactorSettings({ action: ctx.urls.twoFactor ?? '', csrfToken: sessionCsrfToken(ctx, session.record.id_hash, CSRF_PURPOSE), ...view }, nonce, env),
    { cookies: [session.renewedCookie], language: t },
  )
  if (extra.retryAfter !== undefined) response.headers.set('Retry-After', String(extra.retryAfter))
  return response
}

async function currentView(ctx: ServerContext, session: CurrentSession): Promise<View> {
  if (!(await recentlyAuthenticated(ctx, session))) return { state: 'password' }
  if (await hasSecondFactor(ctx, session.user.id)) return { state: 'enabled' }
  return { state: 'enrol', enrolment: await enrolmentFor(ctx, session.user) }
}

function codeError(t: Translator, check: Extract<CodeCheck, { ok: false }>): string {
  if (check.reason === 'throttled') {
    const minutes = Math.ceil((check.retryAfter ?? 60) / 60)
    return minutes === 1 ? t.text('twoFactor.error.throttledOne') : t.text('twoFactor.error.throttled', { minutes })
  }
  return t.text('twoFactor.error.wrongCode')
}

const SIGN_IN_FIRST = new OAuthError('access_denied', 'Sign in first: this page changes the two-factor authentication of the signed-in account.', { status: 403 })

/**
 * `/account/two-factor`: the signed-in user turns TOTP on (QR code, confirmed by a code), gets new
 * recovery codes, or turns it off (with a current code or a recovery code). Every change needs a recent
 * sign-in: the password again when the session is older than `REAUTHENTICATION_SECONDS`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6238
 */
export async function twoFactorSettingsEndpoint(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  const t = languageOf(ctx, request.headers)
  const session = await currentSession(ctx, request.headers)
  if (!session) return errorPage(ctx, SIGN_IN_FIRST, t)
  if (request.method === 'GET') return page(ctx, t, session, 200, await currentView(ctx, session))

  let params: Parameters
  try {
    params = formParameters(request)
    if (!isSameOrigin(ctx, request.headers) || !checkSessionCsrfToken(ctx, session.record.id_hash, CSRF_PURPOSE, params.get('csrf_token'))) {
      throw new OAuthError('invalid_request', 'The form could not be verified. Reload the page and try again.', { status: 403 })
    }
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error, t)
    throw error
  }
  const user = session.user
  const address = request.remoteAddress ?? null
  const step = params.get('step')

  if (step === 'reauthenticate') {
    const result = await reauthenticate(ctx, t, session, request, params.get('password') ?? '')
    if (!result.ok) return page(ctx, t, session, result.status, { state: 'password', error: result.error }, { retryAfter: result.retryAfter })
    return redirectResponse(ctx.urls.twoFactor ?? '')
  }
  if (!(await recentlyAuthenticated(ctx, session))) return page(ctx, t, session, 403, { state: 'password', error: t.text('twoFactor.error.reauthenticate') })
  const code = params.get('code') ?? ''
  const enrolled = await hasSecondFactor(ctx, user.id)

  if (step === 'confirm' && !enrolled) {
    const result = await confirmEnrolment(ctx, user.id, code)
    if (!result.ok) {
      if (result.reason !== 'throttled') void ctx.audit.record({ type: 'mfa.failed', user_id: user.id, client_id: null, reason: result.reason, client_address: address })
      return page(ctx, t, session, result.reason === 'throttled' ? 429 : 400, { state: 'enrol', enrolment: await enrolmentFor(ctx, user), error: codeError(t, result) }, { retryAfter: result.retryAfter })
    }
    void ctx.audit.record({ type: 'mfa.enrolled', user_id: user.id, client_id: null })
    return page(ctx, t, session, 200, { state: 'enabled', recoveryCodes: result.recoveryCodes, message: t.text('twoFactor.isOn') })
  }
  if (step === 'recovery-codes' && enrolled) {
    const codes = await regenerateRecoveryCodes(ctx, user.id)
    void ctx.audit.record({ type: 'mfa.recovery_codes_regenerated', user_id: user.id })
    return page(ctx, t, session, 200, { state: 'enabled', recoveryCodes: codes, message: t.text('twoFactor.newCodesNotice') })
  }
  if (step === 'disable' && enrolled) {
    // A code used to sign in cannot also turn the factor off (catalogue MF-02: "whatever the purpose").
    const result = await verifySecondFactor(ctx, user.id, code)
    if (!result.ok) {
      if (result.reason !== 'throttled') void ctx.audit.record({ type: 'mfa.failed', user_id: user.id, client_id: null, reason: result.reason, client_address: address })
      return page(ctx, t, session, result.reason === 'throttled' ? 429 : 400, { state: 'enabled', error: codeError(t, result) }, { retryAfter: result.retryAfter })
    }
    await removeSecondFactor(ctx.config.store, user.id)
    void ctx.audit.record({ type: 'mfa.disabled', user_id: user.id, actor: 'user' })
    return page(ctx, t, session, 200, { state: 'disabled', message: t.text('twoFactor.isOff') })
  }
  return page(ctx, t, session, 400, { ...(await currentView(ctx, session)), error: t.text('twoFactor.error.unavailable') })
}
