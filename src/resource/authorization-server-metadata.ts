import { OAuthError } from '../errors.js'
import { requireSecureUrl } from './config.js'

/** The members of RFC 8414 §2 metadata a resource server uses. */
export interface AuthorizationServerMetadata {
  issuer: string
  jwks_uri?: string
  introspection_endpoint?: string
  id_token_signing_alg_values_supported?: string[]
}

/** Seconds to wait after a failed discovery before asking again, so an outage is not amplified. */
const RETRY_AFTER_FAILURE = 5
const TIMEOUT_MS = 5000

function unavailable(detail: string, cause?: unknown): OAuthError {
  return new OAuthError('temporarily_unavailable', 'The authorization server could not be reached', { detail, cause })
}

/**
 * Where the metadata of `issuer` lives: RFC 8414 §3.1 inserts the well-known segment between the host
 * and the issuer's path; OpenID Connect Discovery §4 appends it (tried second).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer)
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '')
  const rfc8414 = `${url.origin}/.well-known/oauth-authorization-server${path}`
  const oidc = `${url.origin}${path}/.well-known/openid-configuration`
  return [rfc8414, oidc]
}

function parseMetadata(issuer: string, body: unknown): AuthorizationServerMetadata {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw unavailable('metadata is not a JSON object')
  const record = body as Record<string, unknown>
  // RFC 8414 §3.3: the issuer in the document MUST be identical to the one the metadata was fetched for.
  if (record.issuer !== issuer) throw unavailable(`metadata issuer ${JSON.stringify(record.issuer)} is not ${JSON.stringify(issuer)}`)
  const metadata: AuthorizationServerMetadata = { issuer }
  try {
    if (record.jwks_uri !== undefined) metadata.jwks_uri = requireSecureUrl('jwks_uri', record.jwks_uri)
    if (record.introspection_endpoint !== undefined) {
      metadata.introspection_endpoint = requireSecureUrl('introspection_endpoint', record.introspection_endpoint)
    }
  } catch (error) {
    throw unavailable(error instanceof Error ? error.message : String(error))
  }
  const algs = record.id_token_signing_alg_values_supported
  if (Array.isArray(algs) && algs.every((alg) => typeof alg === 'string')) metadata.id_token_signing_alg_values_supported = algs
  return metadata
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
