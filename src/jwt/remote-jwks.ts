import { createRemoteJWKSet, customFetch, errors } from 'jose'
import type { KeyResolver } from './verify.js'

export interface RemoteKeyResolverOptions {
  /**
   * Milliseconds after a fetch during which a token with an unknown `kid` does not trigger another one
   * (default 30 000): an attacker cannot make the resource server hammer the `jwks_uri`.
   */
  cooldownDuration?: number
  /** Milliseconds a fetched key set is used before it is fetched again (default 600 000). */
  cacheMaxAge?: number
  /** Milliseconds before a fetch is abandoned (default 5 000). */
  timeoutDuration?: number
  /** Replaces the global `fetch` (tests, proxies). */
  fetch?: typeof fetch
}

/**
 * The key set could not be obtained (network error, timeout, non-200 answer, not a JWKS). The token
 * was not judged: callers answer 503 rather than `invalid_token`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export class KeySourceUnavailableError extends Error {
  constructor(url: string, options: { cause?: unknown } = {}) {
    super(`The JSON Web Key Set at ${url} could not be fetched`, options)
    this.name = 'KeySourceUnavailableError'
  }
}

/**
 * Failures of the fetch itself: network errors, timeouts, a non-200 answer or a body that is not a key
 * set (jose reports the last two as a plain `JOSEError`). Anything else jose says is about the token:
 * its `kid`/`alg` matches no usable key.
 */
function isFetchFailure(error: unknown): boolean {
  if (!(error instanceof errors.JOSEError)) return true
  return error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error.code === 'ERR_JOSE_GENERIC'
}

/**
 * Keys fetched from a `jwks_uri` (RFC 8414 §2), cached for `cacheMaxAge`; a `kid` not in the cached set
 * triggers at most one refetch per `cooldownDuration`. The URL is the only place keys come from: the
 * token's `jku`, `x5u`, `jwk` and `x5c` headers are never followed (RFC 8725 §3.10).
 *
 * @example
 * ```ts
 * const keys = remoteKeyResolver('https://as.example.com/jwks', { cooldownDuration: 30_000 })
 * const claims = await verifyJwt(token, keys, { algorithms: ['ES256'], issuer })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export function remoteKeyResolver(url: string | URL, options: RemoteKeyResolverOptions = {}): KeyResolver {
  const href = new URL(url)
  const remote = createRemoteJWKSet(href, {
    ...(options.cooldownDuration !== undefined ? { cooldownDuration: options.cooldownDuration } : {}),
    ...(options.cacheMaxAge !== undefined ? { cacheMaxAge: options.cacheMaxAge } : {}),
    ...(options.timeoutDuration !== undefined ? { timeoutDuration: options.timeoutDuration } : {}),
    ...(options.fetch ? { [customFetch]: options.fetch } : {}),
  })
  return async (protectedHeader, token) => {
    try {
      return await remote(protectedHeader, token)
    } catch (error) {
      if (isFetchFailure(error)) throw new KeySourceUnavailableError(href.href, { cause: error })
      throw error
    }
  }
}
