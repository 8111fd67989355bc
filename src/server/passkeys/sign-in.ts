import { OAuthError } from '../../errors.js'
import type { Parameters } from '../../http/form.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { passkeyCredentials } from '../../storage/kinds/passkeys.js'
import type { ClientRecord, InteractionRecord } from '../../storage/types.js'
import type { LoginChoice, ServerContext } from '../context.js'
import { checkForm, completeAuthentication, EXPIRED, load, type Loaded } from '../endpoints/interaction.js'
import { clearSecondStep, pendingSecondStep } from '../mfa/second-step-state.js'
import type { PendingSecondFactor } from '../mfa/records.js'
import { ENGLISH } from '../../ui/index.js'
import { errorPage, htmlResponse, languageOf, type Translator } from '../pages.js'
import { currentSession } from '../session.js'
import { credentialRef, type PasskeyFailure } from './audit-events.js'
import { assertedCredentialId, authenticationOptions, keyMethod, verifyAssertion } from './ceremony.js'
import { issueChallenge, takeChallenge } from './challenges.js'
import { relyingParty, type ResolvedPasskeyOptions } from './options.js'


/** The login page's button: a form posting the interaction's CSRF token to the passkey step. */
export function passkeyChoices(ctx: ServerContext, _client: ClientRecord, interaction: InteractionRecord, language: Translator = ENGLISH): Promise<readonly LoginChoice[]> {
  const base = ctx.urls.passkeys
  return Promise.resolve(base === undefined ? [] : [{ label: language.text('login.withPasskey'), action: `${base}/sign-in/${interaction.id}`, hidden: {} }])
}

function challengeKey(interactionId: string): string {
  return `sign-in.${interactionId}`
}

function redirectOrigins(uri: string): string[] {
  try {
    const url = new URL(uri)
    return url.protocol === 'http:' || url.protocol === 'https:' ? [url.origin] : []
  } catch {
    return []
  }
}

/**
 * The passkey page with a fresh challenge bound to this interaction: for the pending second step's user
 * (their credentials in `allowCredentials`, UV as configured), else for anyone (discoverable, UV required).
 */
async function ceremonyPage(ctx: ServerContext, options: ResolvedPasskeyOptions, loaded: Loaded, pending: PendingSecondFactor | undefined, status: number, error?: string): Promise<OAuthResponse> {
  const rp = relyingParty(ctx.config.issuer, ctx.config.productName, options)
  const { interaction } = loaded
  const allow = pending ? await passkeyCredentials(ctx.config.store.records).listByUser(pending.user_id) : []
  const challenge = await issueChallenge(ctx, challengeKey(interaction.id), { user_id: pending?.user_id ?? null, user_verification: pending ? options.userVerification === 'required' : true }, interaction.expires_at)
  const requestOptions = await authenticationOptions(rp, challenge, allow)
  return htmlResponse(ctx, status, (pages, nonce, env) =>
    pages.passkeySignIn({
      action: `${ctx.urls.passkeys ?? ''}/sign-in/${interaction.id}`,
      csrfToken: interaction.csrf_token,
      clientName: loaded.client.client_name,
      options: JSON.stringify(requestOptions),
      scriptUrl: `${ctx.urls.passkeys ?? ''}/script.js`,
      mode: pending ? 'second-factor' : 'sign-in',
      backUrl: `${ctx.urls.interaction}/${interaction.id}`,
      ...(error !== undefined ? { error } : {}),
    }, nonce, env),
    // The accepted assertion's answer may redirect straight to the client (Chromium applies form-action).
    { scripts: true, formActions: redirectOrigins(loaded.request.redirect_uri), language: loaded.language },
  )
}

/**
 * POST /passkeys/sign-in/{interaction}: without `credential`, the WebAuthn page with a new challenge; with
 * it, the assertion. Signing in without a password needs user verification and yields `hwk`/`swk` with
 * `mfa` (the device and its PIN or biometric are two factors, RFC 8176 §2); as the second step after a
 * password it adds `hwk`/`swk` to `pwd`. Either way the interaction then goes on as after the password form.
 *
 * @see https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion
 */
export async function passkeySignIn(ctx: ServerContext, options: ResolvedPasskeyOptions, request: OAuthRequest, id: string): Promise<OAuthResponse> {
  const loaded = await load(ctx, request, id)
  if (!loaded || loaded.interaction.user_id !== null) return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
  let params: Parameters
  let posted: string | undefined
  try {
    params = checkForm(ctx, request, loaded)
    posted = params.get('credential')
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error, loaded.language)
    throw error
  }
  const pending = await pendingSecondStep(ctx, id)
  if (pending?.from === 'session') {
    // A step-up belongs to the session that asked for it (as in src/server/mfa/second-step.ts).
    const session = await currentSession(ctx, request.headers)
    if (!session || session.user.id !== pending.user_id) return errorPage(ctx, EXPIRED, loaded.language)
  }
  if (posted === undefined || posted === '') return ceremonyPage(ctx, options, loaded, pending, 200)

  const address = request.remoteAddress ?? null
  const throttle = ctx.loginThrottle
  const refuse = async (reason: PasskeyFailure, userId: string | null, credentialId: string | undefined): Promise<OAuthResponse> => {
    void ctx.audit.record({ type: 'passkey.failed', user_id: userId, client_id: loaded.client.client_id, ceremony: 'authentication', reason, credential: credentialId ? credentialRef(credentialId) : null, client_address: address })
    const reached = await throttle.passkeyFailed(userId ?? undefined, request.remoteAddress, ctx.config.now())
    if (reached.user || reached.address) void ctx.audit.record({ type: 'passkey.throttled', user_id: userId, client_id: loaded.client.client_id, limit: reached.user ? 'user' : 'address', client_address: address })
    // One message for every refused assertion: nothing tells which check failed (catalogue MF-04).
    return ceremonyPage(ctx, options, loaded, pending, 400, loaded.language.text('passkey.error.notAccepted'))
  }
  /** Too many refused assertions: answered before any check, with the time to wait. */
  const gate = async (userId: string | undefined): Promise<OAuthResponse | undefined> => {
    const verdict = await throttle.checkPasskey(userId, request.remoteAddress, ctx.config.now())
    if (verdict.allowed) return undefined
    // Logged, not stored, as the password form's refusals: the failures that led here are in the trail.
    ctx.config.logger?.info({ event: 'passkey.throttled', user_id: userId ?? null, client_id: loaded.client.client_id, client_address: address, retry_after: verdict.retryAfter }, 'passkey refused: throttled')
    const response = await ceremonyPage(ctx, options, loaded, pending, 429, loaded.language.text('twoFactor.error.tooManyAttempts'))
    response.headers.set('Retry-After', String(verdict.retryAfter))
    return response
  }
  const closed = await gate(pending?.user_id)
  if (closed) return closed
  // Single use, whatever happens next: a failed assertion leaves nothing to retry against.
  const challenge = await takeChallenge(ctx, challengeKey(id))
  const credentialId = assertedCredentialId(posted)
  if (!challenge || challenge.user_id !== (pending?.user_id ?? null)) return refuse('challenge', pending?.user_id ?? null, credentialId)
  const credentials = passkeyCredentials(ctx.config.store.records)
  const found = credentialId ? await credentials.find(credentialId, ctx.config.now()) : undefined
  if (!found) return refuse('unknown_credential', pending?.user_id ?? null, credentialId)
  // A discoverable sign-in learns its user from the credential: that user's limit applies before the check.
  if (!pending) {
    const locked = await gate(found.credential.user_id)
    if (locked) return locked
  }
  const rp = relyingParty(ctx.config.issuer, ctx.config.productName, options)
  const result = await verifyAssertion(rp, challenge, posted, found.credential, ctx.config.now())
  if (!result.ok) return refuse(result.reason, pending?.user_id ?? found.credential.user_id, credentialId)
  if (!(await credentials.saveUse(result.value, found.revision, ctx.config.now()))) return refuse('counter', found.credential.user_id, credentialId)
  const user = await ctx.config.store.users.get(found.credential.user_id)
  if (!user) return refuse('unknown_credential', null, credentialId)
  await throttle.passkeySucceeded(user.id)
  void ctx.audit.record({ type: 'passkey.used', user_id: user.id, client_id: loaded.client.client_id, credential: credentialRef(found.credential.credential_id), second_factor: pending !== undefined, client_address: address })
  const method = keyMethod(found.credential)
  if (pending) {
    await clearSecondStep(ctx, id)
    return completeAuthentication(ctx, request, loaded, user, [...pending.amr, method])
  }
  // A passkey with user verification is possession plus a PIN or biometric: two factors in one gesture.
  return completeAuthentication(ctx, request, loaded, user, [method, 'mfa'])
}
