import * as oauth from 'oauth4webapi'
import type { BearerChallenge } from '../../protocol/rfc6750/parse-challenge.js'
import { resourceCandidates } from '../../protocol/rfc9728/resource-metadata.js'
import { checkServerMetadata, endpointProblem } from '../endpoints.js'
import { ClientError } from '../errors.js'
import { providerStep, toClientError, type RequestOptions } from '../http.js'
import type { McpConfig } from './options.js'

/** What discovery established for one MCP server: its checked resource metadata and the chosen authorization server. */
export interface McpDiscovery {
  /** The resource identifier, exactly as the metadata states it (and as sent in `resource`, RFC 8707). */
  resource: string
  resourceMetadata: oauth.ResourceServer
  /** Where the resource metadata was fetched. */
  resourceMetadataUrl: string
  /** The authorization server's issuer identifier. */
  issuer: string
  as: oauth.AuthorizationServer
}

function isNotFound(error: unknown): boolean {
  return error instanceof oauth.OperationProcessingError && error.code === oauth.RESPONSE_IS_NOT_CONFORM
}

async function fetchResourceMetadata(url: string, expected: string, http: RequestOptions): Promise<oauth.ResourceServer> {
  const response = await oauth.resourceDiscoveryRequest(new URL(expected), {
    ...http,
    // The well-known URL is computed by RFC 9728 §3.1 unless the challenge named one (§5.1).
    [oauth.customFetch]: (_: string, init: oauth.CustomFetchOptions<'GET', undefined>) => (http[oauth.customFetch] ?? ((u, i) => fetch(u, i as RequestInit)))(url, init as oauth.CustomFetchOptions<string, unknown>),
  })
  // RFC 9728 §3.3: `resource` MUST be identical to the identifier the metadata was fetched for (§7.3, impersonation).
  try {
    return await oauth.processResourceDiscoveryResponse(new URL(expected), response)
  } catch (error) {
    if (error instanceof oauth.OperationProcessingError && error.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
      throw new ClientError('resource_mismatch', { detail: `the metadata at ${url} is not for ${expected}`, cause: error })
    }
    throw error
  }
}

/**
 * RFC 9728 discovery for the MCP server: the challenge's `resource_metadata` when it named one (§5.1; its
 * `resource` must then equal the server URL), else the path-inserted well-known URL of the server URL,
 * then of its origin (§3.1). A 404 moves to the next; a mismatched `resource` aborts (§3.3).
 */
async function discoverResource(config: McpConfig, http: RequestOptions, challenge: BearerChallenge | undefined): Promise<{ metadata: oauth.ResourceServer; url: string }> {
  if (challenge?.resourceMetadata !== undefined) {
    const problem = endpointProblem(challenge.resourceMetadata, config.insecureLoopback)
    if (problem) throw new ClientError('provider_misconfigured', { detail: `resource_metadata ${problem}` })
    const url = challenge.resourceMetadata
    return { metadata: await providerStep('protected resource metadata', () => fetchResourceMetadata(url, config.serverUrl, http)), url }
  }
  let lastError: unknown
  for (const candidate of resourceCandidates(config.serverUrl)) {
    try {
      return { metadata: await fetchResourceMetadata(candidate.metadataUrl, candidate.resource, http), url: candidate.metadataUrl }
    } catch (error) {
      if (!isNotFound(error)) throw toClientError(error, 'protected resource metadata')
      lastError = error
    }
  }
  throw new ClientError('provider_misconfigured', { detail: `no protected resource metadata for ${config.serverUrl}`, cause: lastError })
}

/**
 * RFC 8414 §3.1 (path-inserted) then OpenID Connect Discovery §4 (appended) through oauth4webapi, which
 * checks that the document's `issuer` is the one asked for (§3.3).
 */
async function discoverAuthorizationServer(issuer: string, http: RequestOptions): Promise<oauth.AuthorizationServer> {
  let lastError: unknown
  for (const algorithm of ['oauth2', 'oidc'] as const) {
    try {
      const response = await oauth.discoveryRequest(new URL(issuer), { ...http, algorithm })
      return await oauth.processDiscoveryResponse(new URL(issuer), response)
    } catch (error) {
      if (!isNotFound(error)) throw toClientError(error, 'authorization server metadata')
      lastError = error
    }
  }
  throw new ClientError('provider_misconfigured', { detail: `no authorization server metadata for ${issuer}`, cause: lastError })
}

/**
 * Discovers the MCP server's resource metadata and its authorization server: the first of the metadata's
 * `authorization_servers` that the configuration trusts (RFC 9728 §7.6), its metadata checked before any
 * endpoint is used.
 */
export async function discover(config: McpConfig, http: RequestOptions, challenge?: BearerChallenge): Promise<McpDiscovery> {
  const { metadata, url } = await discoverResource(config, http, challenge)
  const servers = Array.isArray(metadata.authorization_servers) ? metadata.authorization_servers.filter((entry): entry is string => typeof entry === 'string') : []
  if (servers.length === 0) throw new ClientError('provider_misconfigured', { detail: `${url} names no authorization_servers` })
  const issuer = servers.find((entry) => endpointProblem(entry, config.insecureLoopback) === undefined && config.trusts(entry))
  if (issuer === undefined) throw new ClientError('untrusted_authorization_server', { detail: `none of ${servers.join(', ').slice(0, 300)} is trusted` })
  const as = await discoverAuthorizationServer(issuer, http)
  checkServerMetadata(as, { openid: false, insecureLoopback: config.insecureLoopback })
  return { resource: metadata.resource, resourceMetadata: metadata, resourceMetadataUrl: url, issuer: as.issuer, as }
}
