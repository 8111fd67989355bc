import { OAuthError } from '../../errors.js'
import { guardedFetch, OutboundRequestError, type OutboundErrorCode } from '../../http/guarded-fetch.js'
import { documentLifetime } from '../../protocol/cimd/cache-lifetime.js'
import { checkClientIdUrl, clientIdUrlProblem, isClientIdUrlShaped, type ClientIdUrl } from '../../protocol/cimd/client-id-url.js'
import { validateClientMetadataDocument } from '../../protocol/cimd/metadata-document.js'
import type { ClientMetadata } from '../../protocol/rfc7591/client-metadata.js'
import type { ClientRecord } from '../../storage/types.js'
import type { ClientSource, ServerContext } from '../context.js'
import { clientSettings } from '../client-settings.js'
import { DEFAULT_KEY_ALGORITHMS } from '../key-set.js'
import { createDocumentCache } from './document-cache.js'
import type { ResolvedDocumentOptions } from './options.js'

/**
 * What the client is told when the document cannot be fetched. One answer for every transport failure —
 * refused destination, closed port, silent port, timeout — so the server is no port scanner (catalogue
 * CM-02); the operator log has the detail.
 */
const FETCH_FAILURES: Record<OutboundErrorCode, string> = {
  invalid_url: 'could not be fetched',
  forbidden_destination: 'could not be fetched',
  unreachable: 'could not be fetched',
  timeout: 'could not be fetched',
  redirect: 'could not be fetched: redirects are not followed',
  too_large: 'is too large',
}

/**
 * Client ID metadata documents as a client source (draft-ietf-oauth-client-id-metadata-document §4): an
 * `https://` (or, in development, loopback `http://`) `client_id` the store does not hold is checked as a
 * URL (§3), its document fetched through the one SSRF guard (§6.5), validated (§4.1) and turned into a
 * public client that is never stored, kept in a bounded memory cache.
 */
export function metadataDocumentSource(options: ResolvedDocumentOptions): ClientSource {
  const cache = createDocumentCache(options.maxEntries)
  return {
    handles: isClientIdUrlShaped,
    async resolve(ctx, clientId) {
      const rules = { allowLoopbackHttp: ctx.config.outbound.allowLoopback === true }
      const url = checkClientIdUrl(clientId, rules)
      if (!url) throw new OAuthError('invalid_client', `The client_id URL ${clientIdUrlProblem(clientId, rules) ?? 'is not valid'}`)
      const client = await cache.get(url, ctx.config.now(), () => fetchClient(ctx, url, options))
      return structuredClone(client)
    },
  }
}

async function fetchClient(ctx: ServerContext, url: ClientIdUrl, options: ResolvedDocumentOptions): Promise<readonly [ClientRecord, number]> {
  let answer
  try {
    answer = await guardedFetch(url, { headers: { accept: 'application/json' }, timeoutMs: options.timeoutMs, maxBytes: options.maxBytes }, ctx.config.outbound)
  } catch (error) {
    if (!(error instanceof OutboundRequestError)) throw error
    ctx.config.logger?.warn({ client_id: url, reason: error.code, detail: error.message }, 'client metadata document not fetched')
    throw new OAuthError('invalid_client', `The client metadata document ${FETCH_FAILURES[error.code]}`, { detail: error.message })
  }
  // §4.3: anything but a successful answer means there is no client.
  if (answer.status !== 200) throw refused(ctx, url, `answered HTTP ${answer.status}`)
  let document: unknown
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(answer.body))
  } catch {
    throw refused(ctx, url, 'is not JSON')
  }
  let metadata: ClientMetadata
  try {
    metadata = validateClientMetadataDocument(url, document, {
      grantTypes: ctx.registry.grants,
      scopes: ctx.config.scopesSupported,
      signingAlgorithms: DEFAULT_KEY_ALGORITHMS,
    })
  } catch (error) {
    if (error instanceof OAuthError) ctx.config.logger?.warn({ client_id: url, detail: error.description }, 'client metadata document refused')
    throw error
  }
  return [clientOf(url, metadata, ctx.config.now()), documentLifetime(answer.headers.get('cache-control'), options.cache)]
}

function refused(ctx: ServerContext, url: string, problem: string): OAuthError {
  ctx.config.logger?.warn({ client_id: url, detail: problem }, 'client metadata document refused')
  return new OAuthError('invalid_client', `The client metadata document ${problem}`)
}

/** The client as the server uses it: public, never skipping consent, known by its URL. */
function clientOf(url: ClientIdUrl, metadata: ClientMetadata, now: number): ClientRecord {
  return {
    ...clientSettings(metadata, 'metadata_document'),
    client_id: url,
    client_name: metadata.client_name ?? new URL(url).host,
    client_secret_hash: null,
    client_secret_sealed: null,
    client_secret_expires_at: null,
    // Operators cannot disable a client they never stored; they can turn metadata documents off.
    disabled: false,
    created_at: now,
    // Never fetched nor shown: a logo from a third party would tell it who looks at the page (§6.7).
    logo_uri: null,
    registration_access_token_hash: null,
    expires_at: null,
  }
}
