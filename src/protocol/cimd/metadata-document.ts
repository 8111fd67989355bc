import { OAuthError } from '../../errors.js'
import { validateClientMetadata, type ClientMetadata, type RegistrationRules } from '../rfc7591/client-metadata.js'
import type { ClientIdUrl } from './client-id-url.js'

/**
 * The content of a client ID metadata document (draft-ietf-oauth-client-id-metadata-document §4.1): client
 * metadata of RFC 7591 §2 that the client publishes itself. Pure: the document arrives parsed; no URL in it
 * is fetched (catalogue CM-02), and what it says about the client is shown as unverified.
 *
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */

/** What the server supports for such clients: the registration rules without a choice of authentication. */
export type MetadataDocumentRules = Omit<RegistrationRules, 'authMethods'>

/** Longest `client_name` shown; longer names are cut (a name is a claim, never the client's identity). */
export const DOCUMENT_NAME_MAX_LENGTH = 100

// §4.1: no shared secret can exist between a client and a server that never registered it.
const SHARED_SECRET_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt']
// RFC 7517 §6.2.2, §6.3.2, §6.4.1: members that only a private or symmetric key has.
const PRIVATE_KEY_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g

function invalid(problem: string): OAuthError {
  return new OAuthError('invalid_client', `The client metadata document ${problem}`)
}

/**
 * Validates a fetched document for the client identifier URL it was fetched from. Throws
 * `invalid_client` naming the problem: `client_id` not exactly the URL (a plain string comparison, RFC 3986
 * §6.2.1 — no normalisation), no `redirect_uris` or `client_name` (MCP 2025-11-25), a shared secret or a
 * secret-based method, private key material, or anything the registration rules refuse (grant and
 * response types, redirect URIs, scopes). Without `token_endpoint_auth_method` the client is public
 * (`none`): the RFC 7591 default `client_secret_basic` cannot apply to a client without a secret. A
 * document is published once for every server, so scopes this server does not know are left out rather
 * than refused (a document listing none of this server's scopes gets none).
 *
 * `private_key_jwt` (§4.1 allows it, with keys from the document) is refused until this server verifies
 * JWT client assertions. `jwks` and `jwks_uri` are otherwise ignored: never fetched, never used.
 *
 * @example const metadata = validateClientMetadataDocument(url, JSON.parse(body), rules)
 */
export function validateClientMetadataDocument(url: ClientIdUrl, input: unknown, rules: MetadataDocumentRules): ClientMetadata {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('is not a JSON object')
  const document = input as Record<string, unknown>
  if (document.client_id === undefined) throw invalid('has no client_id')
  if (document.client_id !== url) throw invalid('has a client_id that is not exactly its URL')
  if (document.client_secret !== undefined || document.client_secret_expires_at !== undefined) throw invalid('must not contain a client_secret')
  const method = document.token_endpoint_auth_method ?? 'none'
  if (typeof method !== 'string') throw invalid('has an invalid token_endpoint_auth_method')
  if (SHARED_SECRET_METHODS.includes(method)) throw invalid(`must not use ${method}: there is no shared secret`)
  if (method !== 'none') throw invalid(`uses token_endpoint_auth_method ${method.slice(0, 40)}, which this server does not support for such clients (use none)`)
  if (hasPrivateKey(document.jwks)) throw invalid('must not contain private key material in jwks')
  if (!Array.isArray(document.redirect_uris) || document.redirect_uris.length === 0) throw invalid('must list redirect_uris')
  const name = displayName(document.client_name)
  if (name === undefined) throw invalid('must have a client_name')

  const { jwks: _jwks, jwks_uri: _jwksUri, client_id: _clientId, ...metadata } = document
  // One document serves every authorization server: scopes this one does not know are dropped, not fatal.
  const scope = typeof document.scope === 'string' ? { scope: document.scope.split(' ').filter((value) => rules.scopes.includes(value)).join(' ') } : {}
  try {
    return validateClientMetadata(
      { ...metadata, ...scope, client_name: name, token_endpoint_auth_method: 'none' },
      { ...rules, authMethods: new Map([['none', { confidential: false }]]) },
    )
  } catch (error) {
    if (error instanceof OAuthError) throw invalid(`is not acceptable: ${error.description ?? error.error}`)
    throw error
  }
}

/** Any key with private or symmetric members (`d`, `k`…): the document is public, so such a key is leaked. */
function hasPrivateKey(jwks: unknown): boolean {
  if (jwks === undefined) return false
  if (typeof jwks !== 'object' || jwks === null) return true
  const keys = (jwks as { keys?: unknown }).keys
  if (!Array.isArray(keys)) return true
  return keys.some((key) => typeof key !== 'object' || key === null || PRIVATE_KEY_MEMBERS.some((member) => member in key))
}

/**
 * The name as shown to users: without control and bidirectional formatting characters (a U+202E override
 * would reverse what follows), spaces collapsed, cut to `DOCUMENT_NAME_MAX_LENGTH`. Undefined when nothing
 * printable is left. HTML escaping is the page's job.
 */
function displayName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const cleaned = value.slice(0, 10 * DOCUMENT_NAME_MAX_LENGTH).replace(UNPRINTABLE, '').replace(/\s+/g, ' ').trim()
  if (cleaned === '') return undefined
  const characters = [...cleaned]
  return characters.length > DOCUMENT_NAME_MAX_LENGTH ? `${characters.slice(0, DOCUMENT_NAME_MAX_LENGTH - 1).join('')}…` : cleaned
}
