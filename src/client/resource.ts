import * as oauth from 'oauth4webapi'
import type { ClientContext } from './context.js'
import { dpopHandle, dpopOption } from './dpop.js'
import { endpointProblem } from './endpoints.js'
import { ClientConfigError, ClientError } from './errors.js'
import { requestOptions, toClientError, type Transport } from './http.js'
import { refreshSession, type RefreshDeps } from './refresh.js'
import { loadSession, type Session } from './session.js'
import type { TokenSet } from './token-set.js'

/** The request an app sends to a protected resource with the user's access token. */
export interface ResourceRequestInit {
  method?: string
  headers?: HeadersInit
  body?: oauth.ProtectedResourceRequestBody
}

export interface ResourceDeps extends RefreshDeps {
  transport: Transport
}

/** The live session or `not_authenticated`. */
export async function requireSession(deps: RefreshDeps, ctx: ClientContext): Promise<Session> {
  const session = await loadSession(deps.runtime, ctx)
  if (!session) throw new ClientError('not_authenticated')
  return session
}

/** The session's tokens, refreshed first when the access token expires within the leeway. */
export async function freshTokens(deps: RefreshDeps, session: Session): Promise<TokenSet> {
  const { expires_at: expiresAt } = session.tokens
  if (expiresAt !== undefined && expiresAt - deps.runtime.refreshLeeway <= deps.runtime.now()) return refreshSession(deps, session, session.tokens)
  return session.tokens
}

/** RFC 6750 §3.1, RFC 9449 §7.1: `invalid_token` says the token is expired or revoked, the one case a refresh can fix. */
function isInvalidToken(error: oauth.WWWAuthenticateChallengeError): boolean {
  return error.status === 401 && error.cause.some((challenge) => (challenge.scheme === 'bearer' || challenge.scheme === 'dpop') && challenge.parameters.error === 'invalid_token')
}

/**
 * `fetch` with the session's bearer token (RFC 6750 §2.1): refreshes ahead of expiry, and once more on a
 * 401 `invalid_token` challenge, then retries once. Any other answer is returned as is.
 */
export async function fetchWithSession(deps: ResourceDeps, ctx: ClientContext, input: string | URL, init: ResourceRequestInit = {}): Promise<Response> {
  const session = await requireSession(deps, ctx)
  const provider = await deps.registry.resolve(session.provider)
  const url = new URL(input)
  const problem = endpointProblem(url.href, provider.config.insecureLoopback)
  if (problem) throw new ClientConfigError(`oauth.fetch: ${url.origin} ${problem}`)
  // RFC 9449 §7: a DPoP-bound token goes as `Authorization: DPoP` with a proof naming this request and
  // the token's hash (`ath`); oauth4webapi builds both from the handle.
  const dpop = session.dpopKey ? await dpopHandle(provider, session.dpopKey) : undefined
  const options = { ...requestOptions(deps.transport, provider.config.insecureLoopback), ...dpopOption(dpop) }
  const send = (tokens: TokenSet): Promise<Response> =>
    oauth.protectedResourceRequest(tokens.access_token, init.method ?? 'GET', url, new Headers(init.headers), init.body, options)
  let tokens = await freshTokens(deps, session)
  let nonceRetried = false
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(tokens)
    } catch (error) {
      if (!(error instanceof oauth.WWWAuthenticateChallengeError)) throw toClientError(error, 'resource request')
      // RFC 9449 §9: the resource server asks for its nonce; the handle has kept it for the next proof.
      if (dpop && !nonceRetried && oauth.isDPoPNonceError(error)) {
        nonceRetried = true
        attempt--
        continue
      }
      if (attempt > 0 || !isInvalidToken(error)) return error.response
      tokens = await refreshSession(deps, session, tokens)
    }
  }
}
