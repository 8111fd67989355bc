import * as oauth from 'oauth4webapi'
import { ClientError, ReauthenticationRequired } from './errors.js'
import { dpopHandle, dpopOption, roundTrip } from './dpop.js'
import { validatedIdToken } from './id-token.js'
import type { Registry } from './registry.js'
import type { Runtime } from './runtime.js'
import { loadSessionByKey, saveTokens, type Session } from './session.js'
import { toTokenSet, type TokenSet } from './token-set.js'

/** Refreshes in flight, by session key: concurrent callers share one refresh_token grant. */
export type InFlightRefreshes = Map<string, Promise<TokenSet>>

export interface RefreshDeps {
  runtime: Runtime
  registry: Registry
  inflight: InFlightRefreshes
}

/**
 * Refreshes the session's tokens once per session at a time (in this process). `seen` is the token set the
 * caller found stale: if the stored one already differs, another request refreshed meanwhile and its result
 * is returned without a second grant (rotated refresh tokens are single use, RFC 9700 §4.14.2).
 */
export function refreshSession(deps: RefreshDeps, session: Session, seen: TokenSet): Promise<TokenSet> {
  let pending = deps.inflight.get(session.key)
  if (!pending) {
    pending = refreshOnce(deps, session.key, seen).finally(() => deps.inflight.delete(session.key))
    deps.inflight.set(session.key, pending)
  }
  return pending
}

async function refreshOnce(deps: RefreshDeps, key: string, seen: TokenSet): Promise<TokenSet> {
  const { runtime, registry } = deps
  const latest = await loadSessionByKey(runtime, key)
  if (!latest) throw new ClientError('not_authenticated', { detail: 'session ended during refresh' })
  if (latest.tokens.access_token !== seen.access_token) return latest.tokens
  const refreshToken = latest.tokens.refresh_token
  if (!refreshToken) throw new ReauthenticationRequired({ detail: 'no refresh token' })
  const provider = await registry.resolve(latest.provider)
  const { as, client, auth, http } = provider
  // RFC 9449 §5.0: a refresh token of a public client is bound to the key; the proof goes with every refresh.
  const dpop = latest.dpopKey ? await dpopHandle(provider, latest.dpopKey) : undefined
  let response: Response
  let result: oauth.TokenEndpointResponse
  try {
    ;({ response, result } = await roundTrip('refresh', dpop,
      () => oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, { ...http, ...dpopOption(dpop) }),
      (answer) => oauth.processRefreshTokenResponse(as, client, answer)))
  } catch (error) {
    if (error instanceof ClientError && error.code === 'provider_rejected' && error.providerError === 'invalid_grant') {
      // The grant is gone (revoked, expired, reuse detected): the session cannot get tokens any more.
      await runtime.store.sessions.delete(key)
      throw new ReauthenticationRequired({ detail: 'refresh token refused (invalid_grant)', providerError: 'invalid_grant', cause: error })
    }
    throw error
  }
  const now = runtime.now()
  if (result.id_token !== undefined) {
    // OIDC Core §12.2: the new ID token's `iss` (checked by oauth4webapi against the provider) and `sub`
    // must be those of the original; a different subject never replaces the session's identity (RP-14).
    const claims = await validatedIdToken(provider, result, response, now)
    if (claims.sub !== latest.user.sub) {
      await runtime.store.sessions.delete(key)
      throw new ClientError('invalid_response', { detail: 'refreshed ID token has another subject; session ended' })
    }
  }
  const tokens = toTokenSet(result, now, latest.tokens)
  await saveTokens(runtime, key, tokens, latest.dpopKey)
  return tokens
}
