import type { Capability } from '../context.js'
import { metadataDocumentSource } from './client-source.js'
import { resolveDocumentOptions, type ClientIdMetadataDocumentOptions } from './options.js'

export type { ClientIdMetadataDocumentOptions } from './options.js'

/**
 * OAuth Client ID Metadata Documents: a client whose `client_id` is an https URL is known by the JSON
 * document at that URL, fetched when the client first appears (through the SSRF guard, `guardedFetch`),
 * validated, cached in memory within bounds and never stored. Discovery says
 * `client_id_metadata_document_supported: true`. Such clients are public (`none`, PKCE), unverified on the
 * consent page (which names the URL's host), and never skip consent. Not part of the core: `tessera-oidc serve
 * --client-metadata-documents` registers it; `development.allowLoopbackFetch` lets it fetch documents
 * served over http on loopback.
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [clientIdMetadataDocuments()] })
 * ```
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 */
export function clientIdMetadataDocuments(options: ClientIdMetadataDocumentOptions = {}): Capability {
  const resolved = resolveDocumentOptions(options)
  return {
    name: 'client-id-metadata-documents',
    spec: 'draft-ietf-oauth-client-id-metadata-document',
    metadata: () => ({ client_id_metadata_document_supported: true }),
    clientSource: metadataDocumentSource(resolved),
  }
}
