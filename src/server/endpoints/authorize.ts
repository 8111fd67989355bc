import { OAuthError } from '../../errors.js'
import { formParameters, queryParameters, type Parameters } from '../../http/form.js'
import { redirectResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { decodeUnverified } from '../../jwt/verify.js'
import { randomToken, sha256 } from '../../crypto/random.js'
import { matchesRegisteredRedirectUri, type AuthorizationRequest } from '../../protocol/rfc6749/authorization-request.js'
import { checkAuthorizationRequest, pushedRequestRequired, requestedParameters } from '../authorization-request.js'
import { errorRedirect, issueCodeRedirect, withCookies } from '../authorization-response.js'
import { consentRequired } from '../consent.js'
import type { ServerContext } from '../context.js'
import { errorPage, languageOf } from '../pages.js'
import { browserBinding, currentSession, type CurrentSession } from '../session.js'
import { findClient } from '../find-client.js'
import { checkAuthorizationTargets } from '../resources/target.js'
import { ACR_PASSWORD } from '../mfa/assurance.js'
import { secondStepNeeded } from '../mfa/policy.js'
import { beginSecondStep } from '../mfa/second-step-state.js'

function readParameters(request: OAuthRequest): Parameters {
  // OIDC Core §3.1.2.1: the request may be sent as GET (query) or POST (form body).
  return request.method === 'POST' ? formParameters(request) : queryParameters(request.url)
}

/** Whether the existing session satisfies the request without showing the login form. */
function sessionSatisfies(ctx: ServerContext, session: CurrentSession | undefined, request: AuthorizationRequest): session is CurrentSession {
  if (!session) return false
  if (request.prompt.includes('login')) return false
  // OIDC Core §3.1.2.1: max_age bounds the time since the last active authentication.
  if (request.max_age !== undefined && ctx.config.now() - session.record.auth_time > request.max_age) return false
  if (request.id_token_hint !== undefined) {
    // The hint names the expected user; a different logged-in user must not be silently used.
    // The signature is irrelevant here: a forged hint can only force a login, never skip one.
    const hinted = decodeUnverified(request.id_token_hint)?.payload.sub
    if (hinted !== session.user.id) return false
  }
  return true
}

/**
 * The authorization endpoint (RFC 6749 §3.1, §4.1.1; OIDC Core §3.1.2). Validates the request, then
 * either answers at once (existing session and consent, or `prompt=none`) or hands over to the
 * login/consent interaction.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
export async function authorizeEndpoint(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  let params: Parameters
  try {
    params = readParameters(request)
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error, languageOf(ctx, request.headers))
    throw error
  }
  let clientId: string | undefined
  let requestUri: string | undefined
  let uiLocales: string | undefined
  try {
    clientId = params.get('client_id')
    requestUri = params.get('request_uri')
  } catch {
    clientId = undefined
  }
  try {
    uiLocales = params.get('ui_locales')
  } catch {
    // Repeated: no preference; checkAuthorizationRequest refuses the request itself.
  }
  // OpenID Connect Core §3.1.2.1: even a page refusing the request speaks the language it asked for.
  const language = languageOf(ctx, request.headers, uiLocales)
  const client = clientId === undefined ? undefined : await findClient(ctx, clientId)
  const reference = requestUri === undefined ? undefined : ctx.registry.requestReferences.find((source) => source.handles(requestUri))
  let authorization: AuthorizationRequest
  if (reference && requestUri !== undefined) {
    // RFC 9126 §4: client_id is required next to the reference, and the reference is resolved — and
    // used up — before any login page (catalogue PR-02, PR-03). Failures are pages: no redirect URI is
    // trusted until the pushed request is found.
    if (clientId === undefined) return errorPage(ctx, new OAuthError('invalid_request', 'Missing client_id'), language)
    if (!client) return errorPage(ctx, new OAuthError('invalid_client', 'Unknown client'), language)
    try {
      authorization = await reference.resolve(ctx, client.client_id, requestUri)
    } catch (error) {
      if (error instanceof OAuthError) return errorPage(ctx, error, language)
      throw error
    }
    // The operator may have changed the client since it pushed: its redirect URI must still be registered.
    if (!matchesRegisteredRedirectUri(authorization.redirect_uri, client.redirect_uris)) {
      return errorPage(ctx, new OAuthError('invalid_request', 'redirect_uri is not registered for this client'), language)
    }
  } else {
    // RFC 9126 §5, §6: a client that must push gets no code from any other kind of request (catalogue PR-07).
    if (client && pushedRequestRequired(ctx, client)) {
      return errorPage(ctx, new OAuthError('invalid_request', 'This client must use a pushed authorization request'), language)
    }
    let requested: Parameters
    try {
      requested = await requestedParameters(ctx, params, client)
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error
      // The page says only that the object is invalid; which check failed is for the operator.
      if (error.detail) ctx.config.logger?.info({ event: 'authorize.request_object', error: error.error, detail: error.detail }, 'request object refused')
      return errorPage(ctx, error, language)
    }
    const result = await checkAuthorizationRequest(ctx, requested, client)
    if (result.kind === 'show') return errorPage(ctx, result.error, language)
    if (result.kind === 'redirect') return errorRedirect(ctx, result.redirectUri, result.state, result.error)
    authorization = result.request
  }
  if (!client) throw new Error('unreachable: validated request without client')

  const session = await currentSession(ctx, request.headers)
  const satisfied = sessionSatisfies(ctx, session, authorization)
  // Step-up (RFC 9470 §4, OIDC Core §3.1.2.1 `acr_values`, §5.5.1.1 essential `acr`) and the MFA policy: a
  // live session below what this request, client or user needs asks for the second factor only.
  const stepUp = satisfied
    ? await secondStepNeeded(ctx, client.client_id, session.user.id, authorization, { acr: session.record.acr ?? ACR_PASSWORD, passwordJustNow: false })
    : undefined
  const loggedIn = satisfied && stepUp === undefined
  if (loggedIn) {
    const targetError = await checkAuthorizationTargets(ctx, client, authorization)
    if (targetError) return errorRedirect(ctx, authorization.redirect_uri, authorization.state, targetError, [session.renewedCookie])
  }
  const mustConsent = loggedIn
    ? await consentRequired(ctx, client, session.user.id, authorization.scopes, authorization.prompt.includes('consent'))
    : true

  if (authorization.prompt.includes('none')) {
    // OIDC Core §3.1.2.6: never show UI; say what interaction would have been needed. An `acr` the session
    // does not reach is a failed authentication (§5.5.1.1), never a token with a lower one.
    if (!loggedIn) return errorRedirect(ctx, authorization.redirect_uri, authorization.state, new OAuthError('login_required', stepUp ? 'The request needs a second factor' : 'The user is not logged in'))
    if (mustConsent) return errorRedirect(ctx, authorization.redirect_uri, authorization.state, new OAuthError('consent_required', 'The user has not consented'))
  }
  if (loggedIn && !mustConsent) {
    const { record } = session
    return issueCodeRedirect(ctx, authorization, { userId: session.user.id, authTime: record.auth_time, sessionId: record.sid, amr: record.amr, acr: record.acr }, [session.renewedCookie])
  }

  const binding = browserBinding(ctx, request.headers)
  const now = ctx.config.now()
  const id = randomToken(24)
  const interaction = {
    id,
    browser_binding_hash: sha256(binding.value),
    request: JSON.stringify(authorization),
    csrf_token: randomToken(24),
    // An existing session that only lacks consent goes straight to the consent step.
    user_id: loggedIn ? session.user.id : null,
    auth_time: loggedIn ? session.record.auth_time : null,
    created_at: now,
    expires_at: now + ctx.config.lifetimes.interaction,
  }
  await ctx.config.store.interactions.save(interaction)
  if (stepUp && session) {
    return beginSecondStep(ctx, { interaction, client }, { user_id: session.user.id, amr: session.record.amr ?? ['pwd'], enrol: stepUp.enrol, from: 'session' }, [binding.cookie, session.renewedCookie])
  }
  return withCookies(redirectResponse(`${ctx.urls.interaction}/${id}`), [binding.cookie, loggedIn ? session.renewedCookie : undefined])
}
