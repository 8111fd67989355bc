import { OAuthError } from '../../errors.js'
import type { Parameters } from '../../http/form.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import type { UserRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { checkForm, completeAuthentication, EXPIRED, load, type Loaded } from '../endpoints/interaction.js'
import { errorPage, languageOf, htmlResponse } from '../pages.js'
import { currentSession } from '../session.js'
import './audit-events.js'
import { clearSecondStep, pendingSecondStep, secondStepPage } from './second-step-state.js'
import { confirmEnrolment, verifySecondFactor, type CodeCheck } from './totp-credential.js'
import type { PendingSecondFactor } from './records.js'


function refused(ctx: ServerContext, request: OAuthRequest, loaded: Loaded, pending: PendingSecondFactor, check: Extract<CodeCheck, { ok: false }>): Promise<OAuthResponse> | OAuthResponse {
  const address = request.remoteAddress ?? null
  if (check.reason === 'throttled') {
    const retryAfter = check.retryAfter ?? 60
    const minutes = Math.ceil(retryAfter / 60)
    // Logged, not stored, like a throttled password (src/server/endpoints/interaction.ts): refusals cost nothing.
    ctx.config.logger?.info({ event: 'mfa.throttled', user_id: pending.user_id, client_id: loaded.client.client_id, client_address: address, retry_after: retryAfter }, 'second factor refused: throttled')
    return secondStepPage(ctx, loaded, pending, 429, minutes === 1 ? loaded.language.text('secondFactor.error.throttledOne') : loaded.language.text('secondFactor.error.throttled', { minutes })).then((response) => {
      response.headers.set('Retry-After', String(retryAfter))
      return response
    })
  }
  void ctx.audit.record({ type: 'mfa.failed', user_id: pending.user_id, client_id: loaded.client.client_id, reason: check.reason, client_address: address })
  // One message for a wrong, replayed or malformed code: nothing says how close a guess was.
  return secondStepPage(ctx, loaded, pending, 400, loaded.language.text('secondFactor.error.wrongCode'))
}

/**
 * After an enrolment at sign-in the recovery codes are shown once, and the way on is the answer the
 * sign-in would have given (the redirect to the client, or to consent), as a link.
 */
function withRecoveryCodes(ctx: ServerContext, loaded: Loaded, codes: string[], next: OAuthResponse): OAuthResponse {
  const location = next.headers.get('location')
  if (next.status !== 303 || location === null) return next
  const response = htmlResponse(ctx, 200, (pages, nonce, env) =>
    pages.secondFactor({ action: location, hidden: {}, csrfToken: loaded.interaction.csrf_token, clientName: loaded.client.client_name, recoveryCodes: codes, continueUrl: location }, nonce, env),
    { language: loaded.language },
  )
  for (const cookie of next.headers.getSetCookie()) response.headers.append('Set-Cookie', cookie)
  return response
}

/**
 * POST /interaction/{id}/second-factor: the code (TOTP or recovery code) of the user whose first factor
 * passed in this interaction, or who steps up from a live session. Attempts are limited per account
 * (catalogue MF-01), a TOTP step is accepted once (MF-02); on success a new session records `otp` and
 * `mfa` (MF-09) and the interaction goes on as after a password.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-5.2
 */
export async function submitSecondFactor(ctx: ServerContext, request: OAuthRequest, id: string): Promise<OAuthResponse> {
  const loaded = await load(ctx, request, id)
  if (!loaded || loaded.interaction.user_id !== null) return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
  const pending = await pendingSecondStep(ctx, id)
  if (!pending) return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
  let params: Parameters
  try {
    params = checkForm(ctx, request, loaded)
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error, loaded.language)
    throw error
  }
  let code: string | undefined
  try {
    code = params.get('code')
  } catch {
    code = undefined
  }
  if (code === undefined || code.trim() === '') return secondStepPage(ctx, loaded, pending, 400, loaded.language.text('secondFactor.error.missing'))
  const user: UserRecord | undefined = await ctx.config.store.users.get(pending.user_id)
  if (!user) return errorPage(ctx, EXPIRED, loaded.language)
  if (pending.from === 'session') {
    // A step-up belongs to the session that asked for it: the same browser, still signed in as this user.
    const session = await currentSession(ctx, request.headers)
    if (!session || session.user.id !== user.id) return errorPage(ctx, EXPIRED, loaded.language)
  }
  const address = request.remoteAddress ?? null
  if (pending.enrol) {
    const result = await confirmEnrolment(ctx, user.id, code)
    if (!result.ok) return refused(ctx, request, loaded, pending, result)
    await clearSecondStep(ctx, id)
    void ctx.audit.record({ type: 'mfa.enrolled', user_id: user.id, client_id: loaded.client.client_id })
    const next = await completeAuthentication(ctx, request, loaded, user, [...pending.amr, 'otp'])
    return withRecoveryCodes(ctx, loaded, result.recoveryCodes, next)
  }
  const result = await verifySecondFactor(ctx, user.id, code)
  if (!result.ok) return refused(ctx, request, loaded, pending, result)
  await clearSecondStep(ctx, id)
  if (result.method === 'recovery_code') void ctx.audit.record({ type: 'mfa.recovery_code_used', user_id: user.id, client_id: loaded.client.client_id, client_address: address })
  // RFC 8176 has no value for a recovery code; it is a one-time password the user holds, hence `otp`.
  return completeAuthentication(ctx, request, loaded, user, [...pending.amr, 'otp'])
}
