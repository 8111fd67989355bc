import { OAuthError } from '../errors.js'
import {
  InvalidMetadataError,
  metadataUrls,
  validateAuthorizationServerMetadata,
  type AuthorizationServerMetadata,
} from '../protocol/rfc8414/metadata.js'

export type { AuthorizationServerMetadata }

/** Seconds to wait after a failed discovery before asking again, so an outage is not amplified. */
const RETRY_AFTER_FAILURE = 5
const TIMEOUT_MS = 5000

function unavailable(detail: string, cause?: unknown): OAuthError {
  return new OAuthError('temporarily_unavailable', 'The authorization server could not be reached', { detail, cause })
}

function parseMetadata(issuer: string, body: unknown): AuthorizationServerMetadata {
  try {
    return validateAuthorizationServerMetadata(issuer, body)
  } catch (error) {
    if (error instanceof InvalidMetadataError) throw unavailable(error.message, error)
    throw error
  }
}

async function fetchMetadata(issuer: string, fetchImpl: typeof fetch): Promise<AuthorizationServerMetadata> {
  const failures: string[] = []
  for (const url of metadataUrls(issuer)) {
    let response: Response
    try {
      response = await fetchImpl(url, { headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) })
    } catch (cause) {
      throw unavailable(`GET ${url} failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause)
    }
    if (response.status !== 200) {
      await response.body?.cancel()
      failures.push(`GET ${url} answered ${response.status}`)
      continue
    }
    let body: unknown
    try {
      body = await response.json()
    } catch (cause) {
      throw unavailable(`GET ${url} did not answer JSON`, cause)
    }
    return parseMetadata(issuer, body)
  }
  throw unavailable(failures.join('; '))
}

/**
 * The issuer's metadata, fetched once and kept for the life of the process; after a failure the next
 * attempt waits a few seconds.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export function metadataSource(issuer: string, fetchImpl: typeof fetch, now: () => number): () => Promise<AuthorizationServerMetadata> {
  let pending: Promise<AuthorizationServerMetadata> | undefined
  let failedAt = -Infinity
  return () => {
    if (pending) return pending
    if (now() - failedAt < RETRY_AFTER_FAILURE) {
      return Promise.reject(unavailable('discovery failed moments ago; waiting before retrying'))
    }
    const attempt = fetchMetadata(issuer, fetchImpl)
    pending = attempt
    attempt.catch(() => {
      failedAt = now()
      if (pending === attempt) pending = undefined
    })
    return attempt
  }
}
