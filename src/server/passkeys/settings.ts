import { OAuthError } from '../../errors.js'
import { formParameters, type Parameters } from '../../http/form.js'
import { redirectResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { passkeyCredentials, type PasskeyCredential } from '../../storage/kinds/passkeys.js'
import { StorageConflictError } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { reauthenticate, recentlyAuthenticated } from '../mfa/reauthentication.js'
import { en } from '../../ui/index.js'
import { errorPage, htmlResponse, languageOf, type PasskeySettingsView, type Translator } from '../pages.js'
import { checkSessionCsrfToken, currentSession, isSameOrigin, sessionCsrfToken, type CurrentSession } from '../session.js'
import { credentialRef } from './audit-events.js'
import { registrationOptions, verifyRegistration } from './ceremony.js'
import { issueChallenge, takeChallenge } from './challenges.js'
import { relyingParty, type ResolvedPasskeyOptions } from './options.js'

const CSRF_PURPOSE = 'passkeys'
const MAX_NAME = 64
/** How many passkeys one account may hold: enough for every device, bounded like any per-user list. */
export const MAX_PASSKEYS = 20

type View = Omit<PasskeySettingsView, 'action' | 'csrfToken' | 'scriptUrl' | 'accountUrl'>

function when(t: Translator, seconds: number): string {
  return t.text('account.time', { time: new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ') })
}

function describe(t: Translator, credential: PasskeyCredential): string {
  const used = credential.last_used_at === null ? t.text('passkey.neverUsed') : t.text('passkey.lastUsed', { time: when(t, credential.last_used_at) })
  return t.text('passkey.detail', { added: when(t, credential.created_at), used, kind: t.text(credential.backup_eligible ? 'passkey.synced' : 'passkey.deviceOnly') })
}

function cleanName(value: string | undefined): string | undefined {
  const name = (value ?? '').replace(/[\p{Cc}\p{Cf}]/gu, '').trim()
  return name === '' ? undefined : name.slice(0, MAX_NAME)
}

function page(ctx: ServerContext, t: Translator, session: CurrentSession, status: number, view: View): OAuthResponse {
  return htmlResponse(
    ctx,
    status,
    (pages, nonce, env) => pages.passkeySettings({
      action: ctx.urls.passkeySettings ?? '',
      csrfToken: sessionCsrfToken(ctx, session.record.id_hash, CSRF_PURPOSE),
      scriptUrl: `${ctx.urls.passkeys ?? ''}/script.js`,
      ...(ctx.urls.account ? { accountUrl: ctx.urls.account } : {}),
      ...view,
    }, nonce, env),
    { cookies: [session.renewedCookie], scripts: true, language: t },
  )
}

/** The list and, after a recent sign-in, the registration form with a fresh challenge bound to this session. */
async function currentView(ctx: ServerContext, t: Translator, options: ResolvedPasskeyOptions, session: CurrentSession, extra: Pick<View, 'error' | 'message'> = {}): Promise<View> {
  if (!(await recentlyAuthenticated(ctx, session))) return { state: 'password', ...extra }
  const mine = await passkeyCredentials(ctx.config.store.records).listByUser(session.user.id)
  const passkeys = mine.map((credential) => ({ id: credential.credential_id, name: credential.name, detail: describe(t, credential) }))
  if (mine.length >= MAX_PASSKEYS) return { state: 'list', passkeys, ...extra }
  const rp = relyingParty(ctx.config.issuer, ctx.config.productName, options)
  const challenge = await issueChallenge(ctx, `register.${session.record.id_hash}`, { user_id: session.user.id, user_verification: options.userVerification === 'required' })
  return { state: 'list', passkeys, options: JSON.stringify(await registrationOptions(rp, options, session.user, mine, challenge)), ...extra }
}

// English texts of `error.*` catalogue keys: the error page shows them in its own language.
const SIGN_IN_FIRST = new OAuthError('access_denied', en['error.signInFirstPasskeys'], { status: 403 })

/**
 * `/account/passkeys`: the signed-in user's passkeys — add one (WebAuthn registration), rename, remove.
 * Every change needs a recent sign-in, as for two-factor settings: the password again when the session is
 * older than `REAUTHENTICATION_SECONDS` (catalogue MF-05). The registration challenge is single use and
 * bound to the session; the server enforces the algorithm list, user verification, the credential id's
 * length and that no account has that credential yet, whatever the browser was asked.
 *
 * @see https://www.w3.org/TR/webauthn-3/#sctn-registering-a-new-credential
 */
export async function passkeySettingsEndpoint(ctx: ServerContext, options: ResolvedPasskeyOptions, request: OAuthRequest): Promise<OAuthResponse> {
  const t = languageOf(ctx, request.headers)
  const session = await currentSession(ctx, request.headers)
  if (!session) return errorPage(ctx, SIGN_IN_FIRST, t)
  if (request.method === 'GET') return page(ctx, t, session, 200, await currentView(ctx, t, options, session))

  let params: Parameters
  try {
    params = formParameters(request)
    if (!isSameOrigin(ctx, request.headers) || !checkSessionCsrfToken(ctx, session.record.id_hash, CSRF_PURPOSE, params.get('csrf_token'))) {
      throw new OAuthError('invalid_request', en['error.pageFormNotVerified'], { status: 403 })
    }
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error, t)
    throw error
  }
  const user = session.user
  const address = request.remoteAddress ?? null
  const now = ctx.config.now()
  const step = params.get('step')
  const credentials = passkeyCredentials(ctx.config.store.records)

  if (step === 'reauthenticate') {
    const result = await reauthenticate(ctx, t, session, request, params.get('password') ?? '')
    if (!result.ok) return page(ctx, t, session, result.status, { state: 'password', error: result.error })
    return redirectResponse(ctx.urls.passkeySettings ?? '')
  }
  if (!(await recentlyAuthenticated(ctx, session))) return page(ctx, t, session, 403, { state: 'password', error: t.text('twoFactor.error.reauthenticate') })

  if (step === 'register') {
    // Taken before anything else: a refused registration cannot be retried against the same challenge.
    const challenge = await takeChallenge(ctx, `register.${session.record.id_hash}`)
    const posted = params.get('credential')
    const refuse = async (reason: 'invalid' | 'challenge' | 'credential_in_use', credentialId?: string): Promise<OAuthResponse> => {
      void ctx.audit.record({ type: 'passkey.failed', user_id: user.id, client_id: null, ceremony: 'registration', reason, credential: credentialId ? credentialRef(credentialId) : null, client_address: address })
      return page(ctx, t, session, 400, await currentView(ctx, t, options, session, { error: t.text('passkey.error.notRegistered') }))
    }
    if (!challenge) return refuse('challenge')
    if ((await credentials.listByUser(user.id)).length >= MAX_PASSKEYS) return refuse('invalid')
    const rp = relyingParty(ctx.config.issuer, ctx.config.productName, options)
    const result = await verifyRegistration(rp, options, user, challenge, posted, cleanName(params.get('name')) ?? 'Passkey', now)
    if (!result.ok) return refuse('invalid', result.credentialId)
    try {
      await credentials.add(result.value)
    } catch (error) {
      // WebAuthn §7.1 step 26: a credential id registered to any user (this one included) is refused.
      if (error instanceof StorageConflictError) return refuse('credential_in_use', result.value.credential_id)
      throw error
    }
    void ctx.audit.record({ type: 'passkey.registered', user_id: user.id, credential: credentialRef(result.value.credential_id), name: result.value.name, backup_eligible: result.value.backup_eligible })
    return page(ctx, t, session, 200, await currentView(ctx, t, options, session, { message: t.text('passkey.added', { name: result.value.name }) }))
  }

  const credentialId = params.get('credential_id') ?? ''
  const found = credentialId === '' ? undefined : await credentials.find(credentialId, now)
  // Another user's credential is "not found" here, never touched.
  const own = found && found.credential.user_id === user.id ? found.credential : undefined
  if (step === 'rename' && own) {
    const name = cleanName(params.get('name'))
    if (name === undefined) return page(ctx, t, session, 400, await currentView(ctx, t, options, session, { error: t.text('passkey.error.nameMissing') }))
    await credentials.replace({ ...own, name })
    return page(ctx, t, session, 200, await currentView(ctx, t, options, session, { message: t.text('passkey.renamed', { name }) }))
  }
  if (step === 'delete' && own) {
    await credentials.remove(own.credential_id)
    void ctx.audit.record({ type: 'passkey.removed', user_id: user.id, credential: credentialRef(own.credential_id) })
    return page(ctx, t, session, 200, await currentView(ctx, t, options, session, { message: t.text('passkey.removed', { name: own.name }) }))
  }
  return page(ctx, t, session, 400, await currentView(ctx, t, options, session, { error: t.text('twoFactor.error.unavailable') }))
}
