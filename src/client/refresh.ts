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

/** How often a request waiting for another instance's refresh looks for the new token set. */
const POLL_MS = 100

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const sessionEnded = (): ClientError => new ClientError('not_authenticated', { detail: 'session ended during refresh' })

/**
 * Refreshes the session's tokens once per session at a time, on two levels: in this process concurrent
 * callers share one promise (`inflight`), and across the instances sharing the store one holds the
 * session's refresh lease while the others wait for the token set it stores. `seen` is the token set the
 * caller found stale: if the stored one already differs, another request refreshed meanwhile and its
 * result is returned without a second grant (rotated refresh tokens are single use, RFC 9700 §4.14.2: a
 * provider with reuse detection answers a second grant with the old token by revoking the whole family).
 */
export function refreshSession(deps: RefreshDeps, session: Session, seen: TokenSet): Promise<TokenSet> {
  let pending = deps.inflight.get(session.key)
  if (!pending) {
    pending = refreshOnce(deps, session.key, seen).finally(() => deps.inflight.delete(session.key))
    deps.inflight.set(session.key, pending)
  }
  return pending
}

/**
 * Takes the session's lease and refreshes, or waits (at most `refreshWaitMs`) for the version the holder
 * stores. A holder that died frees the session when its lease expires (`refreshLeaseMs`), and a waiter
 * then takes over.
 */
async function refreshOnce(deps: RefreshDeps, key: string, seen: TokenSet): Promise<TokenSet> {
  const { runtime } = deps
  const deadline = Date.now() + runtime.refreshWaitMs
  let version: number | undefined
  for (;;) {
    const latest = await loadSessionByKey(runtime, key)
    if (!latest) throw sessionEnded()
    if (latest.tokens.access_token !== seen.access_token || (version !== undefined && latest.version !== version)) return latest.tokens
    version = latest.version
    const lease = await runtime.store.sessions.refreshLease(key, runtime.refreshLeaseMs)
    if (lease) {
      try {
        // Another holder may have stored its result between the read above and taking the lease.
        const current = await loadSessionByKey(runtime, key)
        if (!current) throw sessionEnded()
        if (current.version !== version) return current.tokens
        return await grantAndStore(deps, current)
      } finally {
        // A release that fails leaves the lease to expire: the next refresh of this session waits that long.
        await lease.release().catch((error: unknown) => runtime.logger?.warn({ event: 'rp_refresh_lease_release_failed', error: String(error) }, 'could not release a refresh lease; it ends when it expires'))
      }
    }
    if (Date.now() >= deadline) {
      // The session stays: like a provider outage, this request fails and a later one tries again.
      throw new ClientError('provider_unreachable', { detail: `the refresh of this session by another instance did not finish within ${runtime.refreshWaitMs} ms` })
    }
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())))
  }
}

/** The refresh_token grant for `latest`, stored only if its version is still current (compare-and-set). */
async function grantAndStore(deps: RefreshDeps, latest: Session): Promise<TokenSet> {
  const { runtime, registry } = deps
  const key = latest.key
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
      // A holder whose lease ran out during a slow request, and whose token another instance rotated
      // meanwhile, keeps that instance's newer token set rather than ending the session.
      const newer = await loadSessionByKey(runtime, key)
      if (newer && newer.version !== latest.version) return newer.tokens
      // The grant is gone (revoked, expired, reuse detected): the session cannot get tokens any more, on
      // any instance, since they share the store.
      await runtime.store.sessions.delete(key)
      throw new ReauthenticationRequired({ detail: 'refresh token refused (invalid_grant)', providerError: 'invalid_grant', cause: error })
    }
    // A provider outage (network, 5xx) leaves the session as it is; the lease is released by the caller.
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
  if (await saveTokens(runtime, key, tokens, latest.version, latest.dpopKey)) return tokens
  // Refused: this refresh outlived its lease and the instance that took over stored a newer set (or the
  // session ended). That set is the session's; this one is dropped.
  const newer = await loadSessionByKey(runtime, key)
  if (!newer) throw sessionEnded()
  runtime.logger?.warn({ event: 'rp_refresh_lease_outlived' }, 'a refresh outlived its lease; the token set stored by another instance was kept')
  return newer.tokens
}
