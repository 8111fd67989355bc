import * as oauth from 'oauth4webapi'
import { ClientError } from './errors.js'

/** The transport a relying party uses for every provider request. */
export interface Transport {
  /** Replaces the global `fetch` (proxies, tests). */
  fetch: typeof fetch | undefined
  /** Per-request timeout in milliseconds. */
  timeoutMs: number
}

/** Options accepted by every oauth4webapi request function. */
export interface RequestOptions {
  signal: () => AbortSignal
  [oauth.customFetch]?: (url: string, options: oauth.CustomFetchOptions<string, unknown>) => Promise<Response>
  [oauth.allowInsecureRequests]?: boolean
}

/**
 * Request options for one provider. `allowInsecureRequests` is only set for providers registered with
 * `allowInsecureLoopback`, whose every endpoint was checked to be https or loopback http (./endpoints.ts).
 */
export function requestOptions(transport: Transport, insecureLoopback: boolean): RequestOptions {
  const options: RequestOptions = { signal: () => AbortSignal.timeout(transport.timeoutMs) }
  const custom = transport.fetch
  if (custom) options[oauth.customFetch] = (url, init) => custom(url, init as RequestInit)
  if (insecureLoopback) options[oauth.allowInsecureRequests] = true
  return options
}

function isTransportFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  // fetch rejects with TypeError on network failure; AbortSignal.timeout aborts with a TimeoutError DOMException.
  return error.name === 'TimeoutError' || error.name === 'AbortError' || (error instanceof TypeError && error.message === 'fetch failed')
}

/**
 * Maps whatever a provider round-trip threw to a `ClientError`: transport failures, OAuth error answers
 * and validation failures each get their own code. Unknown programming errors are rethrown unchanged.
 */
export function toClientError(error: unknown, step: string): ClientError {
  if (error instanceof ClientError) return error
  if (isTransportFailure(error)) {
    return new ClientError('provider_unreachable', { detail: `${step}: ${(error as Error).message}`, cause: error })
  }
  if (error instanceof oauth.ResponseBodyError) {
    return new ClientError('provider_rejected', { detail: `${step}: ${error.status} ${error.error}`, providerError: error.error, cause: error })
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const providerError = error.cause.find((challenge) => challenge.parameters.error)?.parameters.error
    return new ClientError('provider_rejected', { detail: `${step}: ${error.status} challenge`, ...(providerError ? { providerError } : {}), cause: error })
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    const code = error.error === 'access_denied' ? 'access_denied' : 'authorization_failed'
    return new ClientError(code, { detail: `${step}: ${error.error}`, providerError: error.error, cause: error })
  }
  if (error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError) {
    return new ClientError('invalid_response', { detail: `${step}: ${error.message}`, cause: error })
  }
  // oauth4webapi signals forbidden (non-https) requests with a coded TypeError.
  if (error instanceof TypeError && 'code' in error && typeof error.code === 'string' && error.code.startsWith('OAUTH_')) {
    return new ClientError('provider_misconfigured', { detail: `${step}: ${error.message}`, cause: error })
  }
  throw error
}

/** Runs one provider round-trip, mapping failures with `toClientError`. */
export async function providerStep<T>(step: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw toClientError(error, step)
  }
}
