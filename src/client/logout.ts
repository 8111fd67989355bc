import * as oauth from 'oauth4webapi'
import type { ClientContext } from './context.js'
import { endpointProblem } from './endpoints.js'
import { ClientConfigError, ClientError } from './errors.js'
import { providerStep } from './http.js'
import type { RefreshDeps } from './refresh.js'
import type { Provider } from './registry.js'
import { requireSession } from './resource.js'
import { endSession, loadSession, saveTokens } from './session.js'

/** Options of `logout`. */
export interface LogoutOptions {
  /** Where the provider sends the browser after its logout; must be registered there (RP-Initiated Logout §3). */
  postLogoutRedirectUri?: string
  /** Passed through to `post_logout_redirect_uri`; generated when omitted. */
  state?: string
}

/** What `logout` did: where to send the browser and whether the token was revoked. */
export interface LogoutResult {
  /** The provider's end-session URL to redirect to, when it supports RP-Initiated Logout; else undefined. */
  location: string | undefined
  /** Whether the provider confirmed revoking the refresh (or access) token (RFC 7009). */
  revoked: boolean
  state: string | undefined
}

async function revoke(provider: Provider, token: string, hint: 'refresh_token' | 'access_token'): Promise<void> {
  const { as, client, auth, http } = provider
  await providerStep('revocation', async () => {
    const response = await oauth.revocationRequest(as, client, auth, token, { ...http, additionalParameters: { token_type_hint: hint } })
    await oauth.processRevocationResponse(response)
  })
}

/**
 * Ends the local session (server-side record deleted, cookie expired), revokes the refresh token at the
 * provider when it has a revocation endpoint (RFC 7009 §2; catalogue SC-03), and builds the provider's
 * end-session URL with `id_token_hint`, `post_logout_redirect_uri`, `client_id` and `state`
 * (OpenID Connect RP-Initiated Logout 1.0 §2). A provider that cannot be reached does not keep the user
 * logged in locally.
 */
export async function logout(deps: RefreshDeps, ctx: ClientContext, options: LogoutOptions = {}): Promise<LogoutResult> {
  const session = await loadSession(deps.runtime, ctx)
  await endSession(deps.runtime, ctx)
  if (!session) return { location: undefined, revoked: false, state: undefined }
  deps.runtime.logger?.info({ event: 'rp_logout', provider: session.provider, sub: session.user.sub }, 'signed out')
  const provider = await deps.registry.resolve(session.provider)
  let revoked = false
  if (provider.as.revocation_endpoint) {
    const { refresh_token: refreshToken, access_token: accessToken } = session.tokens
    try {
      await revoke(provider, refreshToken ?? accessToken, refreshToken ? 'refresh_token' : 'access_token')
      revoked = true
    } catch (error) {
      if (!(error instanceof ClientError)) throw error
      deps.runtime.logger?.warn({ event: 'rp_revocation_failed', provider: session.provider, code: error.code, detail: error.detail }, 'token revocation failed')
    }
  }
  const endpoint = provider.as.end_session_endpoint
  if (!endpoint) return { location: undefined, revoked, state: undefined }
  const url = new URL(endpoint)
  if (session.tokens.id_token) url.searchParams.set('id_token_hint', session.tokens.id_token)
  url.searchParams.set('client_id', provider.config.clientId)
  let state: string | undefined
  if (options.postLogoutRedirectUri !== undefined) {
    const problem = endpointProblem(options.postLogoutRedirectUri, true)
    if (problem) throw new ClientConfigError(`logout: postLogoutRedirectUri ${problem}`)
    state = options.state ?? oauth.generateRandomState()
    url.searchParams.set('post_logout_redirect_uri', options.postLogoutRedirectUri)
    url.searchParams.set('state', state)
  }
  return { location: url.href, revoked, state }
}

/**
 * Revokes the session's refresh token (default) or access token at the provider (RFC 7009) and forgets it
 * locally; the session stays. Throws `provider_misconfigured` when the provider has no revocation endpoint.
 */
export async function revokeToken(deps: RefreshDeps, ctx: ClientContext, which: 'refresh_token' | 'access_token' = 'refresh_token'): Promise<void> {
  const session = await requireSession(deps, ctx)
  const provider = await deps.registry.resolve(session.provider)
  if (!provider.as.revocation_endpoint) throw new ClientError('provider_misconfigured', { detail: 'provider has no revocation_endpoint' })
  const token = session.tokens[which]
  if (!token) return
  await revoke(provider, token, which)
  const next = { ...session.tokens }
  if (which === 'refresh_token') delete next.refresh_token
  // A revoked access token is kept as an expired empty one: the next `fetch` refreshes or asks to log in again.
  else Object.assign(next, { access_token: '', expires_at: 0 })
  // Compared on the version read: when a refresh replaced the tokens meanwhile, the revoked one is gone already.
  await saveTokens(deps.runtime, session.key, next, session.version, session.dpopKey)
}
