import { OAuthError } from '../../errors.js'
import { formParameters, type Parameters } from '../../http/form.js'
import { redirectResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { safeEqual, sha256 } from '../../crypto/random.js'
import { isUnusablePasswordHash, verifyAgainstDummy, verifyPassword } from '../../crypto/passwords.js'
import type { AuthorizationRequest } from '../../protocol/rfc6749/authorization-request.js'
import type { ClientRecord, InteractionRecord, LoginSessionRecord, UserRecord } from '../../storage/types.js'
import { errorRedirect, issueCodeRedirect, type Authentication } from '../authorization-response.js'
import { acrOf, withMfa } from '../mfa/assurance.js'
import { secondStepNeeded } from '../mfa/policy.js'
import { beginSecondStep, pendingSecondStep, secondStepPage } from '../mfa/second-step-state.js'
import { consentRequired } from '../consent.js'
import { loadResources } from '../resources/directory.js'
import { checkAuthorizationTargets } from '../resources/target.js'
import type { LoginChoice, ServerContext } from '../context.js'
import { errorPage, languageOf, htmlResponse, type Translator } from '../pages.js'
import { checkCsrfToken, currentSession, isSameOrigin, readBrowserBinding, startSession } from '../session.js'
import { isLoopbackRedirect } from '../../protocol/rfc7591/client-metadata.js'
import { findClient } from '../find-client.js'

export interface Loaded {
  interaction: InteractionRecord
  request: AuthorizationRequest
  client: ClientRecord
  /** The pages' language: the interaction's `ui_locales`, else this request's `Accept-Language`. */
  language: Translator
}

export const EXPIRED = new OAuthError('invalid_request', 'This sign-in page has expired. Go back to the application and try again.')

/** The pending interaction, only for the browser that started it and only while its client exists. */
export async function load(ctx: ServerContext, request: OAuthRequest, id: string): Promise<Loaded | undefined> {
  const interaction = await ctx.config.store.interactions.get(id, ctx.config.now())
  const binding = readBrowserBinding(ctx, request.headers)
  if (!interaction || !binding || !safeEqual(sha256(binding), interaction.browser_binding_hash)) return undefined
  const parsed = JSON.parse(interaction.request) as AuthorizationRequest & { resource?: string }
  // An interaction started by a version that kept one `resource` (at most its lifetime, 10 minutes, old).
  if (!Array.isArray(parsed.resources)) parsed.resources = parsed.resource === undefined ? [] : [parsed.resource]
  const client = await findClient(ctx, parsed.client_id)
  // A client disabled after the authorization request started gets no code either (findClient drops it).
  return client ? { interaction, request: parsed, client, language: languageOf(ctx, request.headers, parsed.ui_locales) } : undefined
}

/**
 * What the consent page says about a client nobody vetted (RFC 7591 §5; catalogue DR-07, DR-08, CM-08,
 * CM-09): that it is unverified, the host that published a metadata document client (its `client_id`),
 * the host the answer goes to (the URL parser writes IDN hosts in punycode), and whether every redirect
 * URI is on the user's own machine.
 */
function clientTrust(client: ClientRecord, redirectUri: string): { unverified: boolean; clientHost?: string; redirectHost: string; localhostOnly: boolean } {
  const localhostOnly = client.redirect_uris.length > 0 && client.redirect_uris.every(isLoopbackRedirect)
  const clientHost = client.registered_by === 'metadata_document' ? hostOf(client.client_id) : ''
  return { unverified: client.registered_by !== 'operator', ...(clientHost ? { clientHost } : {}), redirectHost: hostOf(redirectUri), localhostOnly }
}

function hostOf(uri: string): string {
  try {
    return new URL(uri).host
  } catch {
    return ''
  }
}

function redirectOrigin(uri: string): string[] {
  try {
    const url = new URL(uri)
    return url.protocol === 'http:' || url.protocol === 'https:' ? [url.origin] : []
  } catch {
    return []
  }
}

function formAction(ctx: ServerContext, id: string, step: 'login' | 'consent'): string {
  return `${ctx.urls.interaction}/${id}/${step}`
}

/** Links under the login form that registered capabilities offer (the account capability's, with mail). */
function loginLinks(ctx: ServerContext, t: Translator): { links?: { href: string; label: string }[] } {
  const links = [
    ...(ctx.urls.passwordReset ? [{ href: ctx.urls.passwordReset, label: t.text('login.forgotPassword') }] : []),
    ...(ctx.urls.accountRegistration ? [{ href: ctx.urls.accountRegistration, label: t.text('login.createAccount') }] : []),
  ]
  return links.length > 0 ? { links } : {}
}

/** The sign-in buttons the registered capabilities offer this client (upstream providers), in registration order. */
async function loginChoices(ctx: ServerContext, loaded: Loaded): Promise<LoginChoice[]> {
  const choices: LoginChoice[] = []
  for (const capability of ctx.registry.capabilities) {
    if (capability.loginMethods) choices.push(...(await capability.loginMethods.choices(ctx, loaded.client, loaded.interaction, loaded.language)))
  }
  return choices
}

async function loginPage(ctx: ServerContext, loaded: Loaded, status: number, options: { error?: string; username?: string } = {}): Promise<OAuthResponse> {
  const { interaction, request, client } = loaded
  const choices = await loginChoices(ctx, loaded)
  const alternatives = choices.map(({ label, action, hidden }) => ({ label, action, hidden }))
  const formActions = [...new Set(choices.flatMap((choice) => choice.formActions ?? []))]
  return htmlResponse(ctx, status, (pages, nonce, env) =>
    pages.login(
      {
        action: formAction(ctx, interaction.id, 'login'),
        hidden: {},
        csrfToken: interaction.csrf_token,
        clientName: client.client_name,
        ...(options.error !== undefined ? { error: options.error } : {}),
        ...((options.username ?? request.login_hint) !== undefined ? { username: options.username ?? request.login_hint } : {}),
        ...loginLinks(ctx, loaded.language),
        ...(alternatives.length > 0 ? { alternatives } : {}),
      },
      nonce,
      env,
    ),
    // A client that skips consent gets its redirect straight from the login POST, which Chromium checks
    // against form-action; an upstream provider's button posts to its own origin.
    { formActions: [...new Set([...redirectOrigin(request.redirect_uri), ...formActions])], language: loaded.language },
  )
}

async function consentPage(ctx: ServerContext, loaded: Loaded): Promise<OAuthResponse> {
  const { interaction, request, client } = loaded
  const user = interaction.user_id ? await ctx.config.store.users.get(interaction.user_id) : undefined
  if (!user) return errorPage(ctx, EXPIRED, loaded.language)
  const directory = await loadResources(ctx)
  const resources = request.resources.map((identifier) => ({
    identifier,
    scopes: request.scopes.filter((scope) => scope in (directory.find(identifier)?.scopes ?? {})),
  }))
  return htmlResponse(
    ctx,
    200,
    (pages, nonce, env) =>
      pages.consent(
        {
          action: formAction(ctx, interaction.id, 'consent'),
          hidden: {},
          csrfToken: interaction.csrf_token,
          clientName: client.client_name,
          userName: user.name ?? user.username,
          scopes: request.scopes,
          scopeDescriptions: directory.scopeDescriptions,
          ...(resources.length > 0 ? { resources } : {}),
          ...clientTrust(client, request.redirect_uri),
        },
        nonce,
        env,
      ),
    // Chromium applies form-action to the redirect that follows the consent POST.
    { formActions: redirectOrigin(request.redirect_uri), language: loaded.language },
  )
}

/** GET /interaction/{id}: the login form, or the consent form once the user is known. */
export async function showInteraction(ctx: ServerContext, request: OAuthRequest, id: string): Promise<OAuthResponse> {
  const loaded = await load(ctx, request, id)
  if (!loaded) return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
  if (loaded.interaction.user_id !== null) return consentPage(ctx, loaded)
  // The first factor passed and the second is due (src/server/mfa/).
  const pending = await pendingSecondStep(ctx, id)
  if (pending) return secondStepPage(ctx, loaded, pending, 200)
  // `idp_hint` names a sign-in method of a capability (an upstream provider): go there without the chooser.
  const hint = loaded.request.idp_hint
  if (hint !== undefined) {
    for (const capability of ctx.registry.capabilities) {
      const started = await capability.loginMethods?.hinted(ctx, request, loaded.client, loaded.interaction, hint)
      if (started) return started
    }
  }
  return loginPage(ctx, loaded, 200)
}

/** Form posts need the interaction's CSRF token and, when the browser sends one, our own Origin (RFC 6749 §10.12). */
export function checkForm(ctx: ServerContext, request: OAuthRequest, loaded: Loaded): Parameters {
  const params = formParameters(request)
  if (!isSameOrigin(ctx, request.headers) || !checkCsrfToken(loaded.interaction.csrf_token, params.get('csrf_token'))) {
    throw new OAuthError('invalid_request', 'The form could not be verified. Go back to the application and try again.', { status: 403 })
  }
  return params
}

/** Completes the interaction once: consumed atomically so a double submit cannot issue two codes. */
async function finish(ctx: ServerContext, loaded: Loaded, auth: Authentication, cookies: (string | undefined)[]): Promise<OAuthResponse> {
  const consumed = await ctx.config.store.interactions.consume(loaded.interaction.id, ctx.config.now())
  if (!consumed) return errorPage(ctx, EXPIRED, loaded.language)
  return issueCodeRedirect(ctx, loaded.request, auth, cookies)
}

/** POST /interaction/{id}/login */
export async function submitLogin(ctx: ServerContext, request: OAuthRequest, id: string): Promise<OAuthResponse> {
  const loaded = await load(ctx, request, id)
  if (!loaded) return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
  let params: Parameters
  let username: string | undefined
  let password: string | undefined
  try {
    params = checkForm(ctx, request, loaded)
    username = params.get('username')
    password = params.get('password')
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error, loaded.language)
    throw error
  }
  if (username === undefined || password === undefined) {
    return loginPage(ctx, loaded, 400, { error: loaded.language.text('login.error.missing'), ...(username ? { username } : {}) })
  }
  const gate = await ctx.loginThrottle.check(username, request.remoteAddress, ctx.config.now())
  if (!gate.allowed) {
    const minutes = Math.ceil(gate.retryAfter / 60)
    const response = await loginPage(ctx, loaded, 429, { error: minutes === 1 ? loaded.language.text('login.error.throttledOne') : loaded.language.text('login.error.throttled', { minutes }), username })
    response.headers.set('Retry-After', String(gate.retryAfter))
    // Logged, not stored: refusals cost an attacker nothing, so each one becoming a record would let anyone
    // grow the audit table at will. The failures that led to the lock are in the trail.
    ctx.config.logger?.info({ event: 'login.throttled', username: username.slice(0, 128), client_id: loaded.client.client_id, client_address: request.remoteAddress ?? null, retry_after: gate.retryAfter }, 'login refused: throttled')
    return response
  }
  if (gate.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, gate.delayMs))
  const user = await ctx.config.store.users.getByUsername(username)
  // Usernames are at most 128 characters; a longer "username" is likely something else pasted there.
  const attempt = { username: username.slice(0, 128), client_id: loaded.client.client_id, client_address: request.remoteAddress ?? null }
  // An account without a password (provisioned from an upstream provider) is refused like a wrong password.
  const valid = user && !isUnusablePasswordHash(user.password_hash) ? await verifyPassword(user.password_hash, password) : await verifyAgainstDummy(password)
  if (!user || !valid) {
    await ctx.loginThrottle.failed(username, request.remoteAddress, ctx.config.now())
    void ctx.audit.record({ type: 'login.failed', ...attempt, user_id: user?.id ?? null, reason: user ? 'wrong_password' : 'unknown_user' })
    return loginPage(ctx, loaded, 400, { error: loaded.language.text('login.error.incorrect'), username })
  }
  await ctx.loginThrottle.succeeded(username)
  if (user.disabled) return refuseDisabled(ctx, request, loaded, user, username)
  // Nothing is issued and no session starts before a second factor that is due (src/server/mfa/).
  const second = await secondStepNeeded(ctx, loaded.client.client_id, user.id, loaded.request, { acr: undefined, passwordJustNow: true })
  if (second) return beginSecondStep(ctx, loaded, { user_id: user.id, amr: ['pwd'], enrol: second.enrol, from: 'password' })
  return completeAuthentication(ctx, request, loaded, user, ['pwd'])
}

/**
 * A disabled user proved who they are (a correct password, a passkey, an upstream's sign-in): the login page
 * says that this account cannot sign in — told only to whoever proved it is theirs, so no account is
 * enumerated by it — and no session starts.
 */
async function refuseDisabled(ctx: ServerContext, request: OAuthRequest, loaded: Loaded, user: UserRecord, typed?: string): Promise<OAuthResponse> {
  void ctx.audit.record({ type: 'login.failed', username: user.username, user_id: user.id, client_id: loaded.client.client_id, client_address: request.remoteAddress ?? null, reason: 'disabled' })
  return loginPage(ctx, loaded, 403, { error: loaded.language.text('login.error.disabled'), ...(typed !== undefined ? { username: typed } : {}) })
}

/**
 * The user of this interaction has authenticated by `methods` (RFC 8176): a new session records them and
 * the `acr` they reach, then the interaction goes on to consent or to the code.
 */
export async function completeAuthentication(ctx: ServerContext, request: OAuthRequest, loaded: Loaded, user: UserRecord, methods: string[]): Promise<OAuthResponse> {
  // Every sign-in ends here (password, passkey, upstream provider, second factor): no session for a disabled user.
  if (user.disabled) return refuseDisabled(ctx, request, loaded, user)
  const amr = withMfa(methods)
  const acr = acrOf(amr)
  const authTime = ctx.config.now()
  const session = await startSession(ctx, request.headers, user, authTime, { amr, acr })
  // The password form's event; an upstream's sign-in records its own (federation.login) when it is accepted.
  if (methods.includes('pwd')) void ctx.audit.record({ type: 'login.succeeded', username: user.username, user_id: user.id, client_id: loaded.client.client_id, client_address: request.remoteAddress ?? null })
  return afterLogin(ctx, loaded, user, authTime, session)
}

/**
 * Where a login that another capability completed (an upstream provider) rejoins the flow: the user signed
 * in by `methods` (RFC 8176, e.g. `fed`) for the pending interaction `id` of this browser. The second
 * factor comes next when the user has one or policy requires it (src/server/mfa/), as after the password
 * form; then the session starts and resources, consent and the code follow. An interaction that is gone or
 * of another browser gives the expiry page, and no session starts.
 */
export async function continueAfterLogin(ctx: ServerContext, request: OAuthRequest, id: string, user: UserRecord, methods: string[]): Promise<OAuthResponse> {
  const loaded = await load(ctx, request, id)
  if (!loaded || loaded.interaction.user_id !== null) return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
  // Before the second factor: a disabled user is not asked for one.
  if (user.disabled) return refuseDisabled(ctx, request, loaded, user)
  // Two factors reported by a trusted upstream (federation's `trustUpstreamAmr`) already meet the policy.
  const second = await secondStepNeeded(ctx, loaded.client.client_id, user.id, loaded.request, { acr: acrOf(withMfa(methods)), passwordJustNow: true })
  if (second) return beginSecondStep(ctx, loaded, { user_id: user.id, amr: methods, enrol: second.enrol, from: 'upstream' })
  return completeAuthentication(ctx, request, loaded, user, methods)
}

async function afterLogin(ctx: ServerContext, loaded: Loaded, user: UserRecord, authTime: number, session: { record: LoginSessionRecord; cookie: string }): Promise<OAuthResponse> {
  const id = loaded.interaction.id
  // RFC 8707 §2: an unknown or unpermitted resource is answered once the user is known, not to anyone asking.
  const targetError = await checkAuthorizationTargets(ctx, loaded.client, loaded.request)
  if (targetError) {
    if (!(await ctx.config.store.interactions.consume(id, ctx.config.now()))) return errorPage(ctx, EXPIRED, loaded.language)
    return errorRedirect(ctx, loaded.request.redirect_uri, loaded.request.state, targetError, [session.cookie])
  }

  if (await consentRequired(ctx, loaded.client, user.id, loaded.request.scopes, loaded.request.prompt.includes('consent'))) {
    await ctx.config.store.interactions.save({ ...loaded.interaction, user_id: user.id, auth_time: authTime })
    const response = redirectResponse(`${ctx.urls.interaction}/${id}`)
    response.headers.append('Set-Cookie', session.cookie)
    return response
  }
  return finish(ctx, loaded, { userId: user.id, authTime, sessionId: session.record.sid, amr: session.record.amr, acr: session.record.acr }, [session.cookie])
}

/** POST /interaction/{id}/consent */
export async function submitConsent(ctx: ServerContext, request: OAuthRequest, id: string): Promise<OAuthResponse> {
  const loaded = await load(ctx, request, id)
  if (!loaded || loaded.interaction.user_id === null) return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
  let decision: string | undefined
  try {
    decision = checkForm(ctx, request, loaded).get('decision')
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error, loaded.language)
    throw error
  }
  // Consent is given by the user of the live session, not by whoever holds the interaction id.
  const session = await currentSession(ctx, request.headers)
  if (!session || session.user.id !== loaded.interaction.user_id) return errorPage(ctx, EXPIRED, loaded.language)

  const { request: authorization } = loaded
  if (decision === 'deny') {
    const consumed = await ctx.config.store.interactions.consume(id, ctx.config.now())
    if (!consumed) return errorPage(ctx, EXPIRED, loaded.language)
    void ctx.audit.record({ type: 'consent.denied', user_id: session.user.id, client_id: loaded.client.client_id, scopes: authorization.scopes })
    return errorRedirect(ctx, authorization.redirect_uri, authorization.state, new OAuthError('access_denied', 'The user denied the request'))
  }
  if (decision !== 'allow') return errorPage(ctx, new OAuthError('invalid_request', 'Choose Allow or Deny.'), loaded.language)
  await ctx.config.store.consents.grant(session.user.id, loaded.client.client_id, authorization.scopes, ctx.config.now())
  void ctx.audit.record({ type: 'consent.granted', user_id: session.user.id, client_id: loaded.client.client_id, scopes: authorization.scopes })
  return finish(ctx, loaded, { userId: session.user.id, authTime: loaded.interaction.auth_time ?? session.record.auth_time, sessionId: session.record.sid, amr: session.record.amr, acr: session.record.acr }, [session.renewedCookie])
}
