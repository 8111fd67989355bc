import { OAuthError } from '../../errors.js'
import { formParameters, queryParameters, type Parameters } from '../../http/form.js'
import { redirectResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { isJwtValidationError, verifyJwt } from '../../jwt/verify.js'
import { withQueryParameters } from '../../protocol/rfc6749/redirect-uri.js'
import type { ClientRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { findClient } from '../find-client.js'
import { DEFAULT_KEY_ALGORITHMS } from '../key-set.js'
import { errorPage, languageOf, htmlResponse, type Translator } from '../pages.js'
import { sessionsEnded } from '../session-events.js'
import { checkSessionCsrfToken, currentSession, endSession, isSameOrigin, sessionCsrfToken } from '../session.js'

interface LogoutRequest {
  client: ClientRecord | undefined
  postLogoutRedirectUri: string | undefined
  state: string | undefined
  /** `sub` of a valid `id_token_hint`. */
  hintedSubject: string | undefined
}

/** The hint must be an ID token we signed; expiry is irrelevant here (RP-Initiated Logout §2). */
async function verifyHint(ctx: ServerContext, hint: string): Promise<{ sub: string; aud: string } | undefined> {
  try {
    const payload = await verifyJwt(hint, await ctx.keys.resolver(), {
      algorithms: [...DEFAULT_KEY_ALGORITHMS],
      issuer: ctx.config.issuer,
      requiredClaims: ['sub', 'aud'],
      currentDate: new Date(0),
    })
    // Back-Channel Logout §4.1: a logout token we signed is no ID token, whatever its claims (catalogue BL-04).
    if (payload.events !== undefined) return undefined
    const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud
    return typeof payload.sub === 'string' && typeof aud === 'string' ? { sub: payload.sub, aud } : undefined
  } catch (error) {
    if (isJwtValidationError(error)) return undefined
    throw error
  }
}

async function parseLogoutRequest(ctx: ServerContext, params: Parameters): Promise<LogoutRequest> {
  const hint = params.get('id_token_hint')
  const clientId = params.get('client_id')
  const postLogoutRedirectUri = params.get('post_logout_redirect_uri')
  const state = params.get('state')
  const hinted = hint === undefined ? undefined : await verifyHint(ctx, hint)
  if (hint !== undefined && !hinted) throw new OAuthError('invalid_request', 'The id_token_hint is not valid')
  if (hinted && clientId !== undefined && hinted.aud !== clientId) {
    throw new OAuthError('invalid_request', 'client_id does not match the id_token_hint')
  }
  const resolvedClientId = hinted?.aud ?? clientId
  const client = resolvedClientId === undefined ? undefined : await findClient(ctx, resolvedClientId)
  // Exact match against the client's registered list; without a known client there is nothing to match.
  if (postLogoutRedirectUri !== undefined && !client?.post_logout_redirect_uris.includes(postLogoutRedirectUri)) {
    throw new OAuthError('invalid_request', 'post_logout_redirect_uri is not registered for this client')
  }
  return { client, postLogoutRedirectUri, state, hintedSubject: hinted?.sub }
}

function finished(ctx: ServerContext, logout: LogoutRequest, cookie: string, language: Translator): OAuthResponse {
  if (logout.postLogoutRedirectUri) {
    const response = redirectResponse(withQueryParameters(logout.postLogoutRedirectUri, { state: logout.state }))
    response.headers.append('Set-Cookie', cookie)
    return response
  }
  return htmlResponse(ctx, 200, (pages, nonce, env) => pages.loggedOut({}, nonce, env), { cookies: [cookie], language })
}

const HIDDEN_FIELDS = ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state', 'ui_locales'] as const

/**
 * RP-Initiated Logout 1.0 (§2, §3): ends the provider session. Without a valid `id_token_hint` for the
 * current user the user confirms first, so a third-party page cannot log users out (ASVS 10.6.2).
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html
 */
export async function logoutEndpoint(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  let params: Parameters
  let logout: LogoutRequest
  try {
    params = request.method === 'POST' ? formParameters(request) : queryParameters(request.url)
    logout = await parseLogoutRequest(ctx, params)
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error, languageOf(ctx, request.headers))
    throw error
  }
  // RP-Initiated Logout 1.0 §2: ui_locales, as at the authorization endpoint.
  let uiLocales: string | undefined
  try {
    uiLocales = params.get('ui_locales')
  } catch {
    uiLocales = undefined
  }
  const language = languageOf(ctx, request.headers, uiLocales)
  const session = await currentSession(ctx, request.headers)
  if (!session) return finished(ctx, logout, await endSession(ctx, request.headers), language)

  // Keyed to the session, not to the cookie's text, which changes as the session is used.
  const csrfToken = sessionCsrfToken(ctx, session.record.id_hash, 'logout')
  const confirmed = request.method === 'POST' && params.get('confirm') === 'yes'
  if (confirmed) {
    if (!isSameOrigin(ctx, request.headers) || !checkSessionCsrfToken(ctx, session.record.id_hash, 'logout', params.get('csrf_token'))) {
      return errorPage(ctx, new OAuthError('invalid_request', 'The form could not be verified.', { status: 403 }), language)
    }
  }
  if (confirmed || logout.hintedSubject === session.user.id) {
    ctx.config.logger?.info({ event: 'logout', sub: session.user.id }, 'logged out')
    // Back-Channel Logout §2.3: the session's clients are told in the background, after this answer.
    await sessionsEnded(ctx, [{ sid: session.record.sid, user_id: session.user.id }], 'logout')
    return finished(ctx, logout, await endSession(ctx, request.headers), language)
  }
  const hidden: Record<string, string> = { confirm: 'yes' }
  for (const name of HIDDEN_FIELDS) {
    const value = params.get(name)
    if (value !== undefined) hidden[name] = value
  }
  const formActions = logout.postLogoutRedirectUri ? [new URL(logout.postLogoutRedirectUri).origin] : []
  return htmlResponse(
    ctx,
    200,
    (pages, nonce, env) =>
      pages.logoutConfirm(
        {
          action: ctx.urls.endSession,
          hidden,
          csrfToken,
          ...(logout.client ? { clientName: logout.client.client_name } : {}),
        },
        nonce,
        env,
      ),
    { formActions, language },
  )
}
