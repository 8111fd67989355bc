import * as oauth from 'oauth4webapi'
import { endpointProblem } from '../endpoints.js'
import { ClientError } from '../errors.js'
import { providerStep, type RequestOptions } from '../http.js'
import type { CredentialStore, McpClientCredentials } from './credentials.js'
import type { McpDiscovery } from './discovery.js'
import type { McpConfig } from './options.js'

type AuthMethod = McpClientCredentials['token_endpoint_auth_method']

function supportedMethods(as: oauth.AuthorizationServer): readonly string[] {
  // RFC 8414 §2: the default when omitted is client_secret_basic.
  return as.token_endpoint_auth_methods_supported ?? ['client_secret_basic']
}

/** What a dynamically registered client asks for: public (`none`) when the server allows it, a secret otherwise. */
function registrationMethod(as: oauth.AuthorizationServer): AuthMethod {
  const methods = supportedMethods(as)
  if (methods.includes('none')) return 'none'
  return methods.includes('client_secret_basic') || !methods.includes('client_secret_post') ? 'client_secret_basic' : 'client_secret_post'
}

function asMethod(value: unknown, hasSecret: boolean): AuthMethod {
  if (value === 'client_secret_basic' || value === 'client_secret_post' || value === 'none') return value
  // RFC 7591 §2: the default is client_secret_basic.
  return hasSecret ? 'client_secret_basic' : 'none'
}

/** The registration metadata (RFC 7591 §2) this client sends, and that its metadata document should state. */
export function clientMetadata(config: McpConfig, method: AuthMethod = 'none'): Record<string, unknown> {
  return {
    client_name: config.clientName,
    redirect_uris: [config.redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: method,
    // OIDC Registration §2: a loopback or custom-scheme redirect URI is a native application's.
    ...(new URL(config.redirectUri).protocol === 'https:' ? {} : { application_type: 'native' }),
  }
}

/**
 * RFC 7591 §3.2.1 makes `client_secret_expires_at` REQUIRED with a secret, and oauth4webapi insists; some
 * MCP authorization servers (the MCP conformance suite's among them) leave it out. Read as 0, "does not
 * expire" in the same section — the only reading that keeps such a registration usable.
 */
async function withSecretExpiry(response: Response): Promise<Response> {
  if (response.status !== 201 && response.status !== 200) return response
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  const fixed = body !== null && typeof body === 'object' && 'client_secret' in body && !('client_secret_expires_at' in body) ? JSON.stringify({ ...body, client_secret_expires_at: 0 }) : text
  return new Response(fixed, { status: response.status, statusText: response.statusText, headers: response.headers })
}

async function register(config: McpConfig, discovery: McpDiscovery, http: RequestOptions): Promise<McpClientCredentials> {
  const problem = endpointProblem(discovery.as.registration_endpoint, config.insecureLoopback)
  if (problem) throw new ClientError('provider_misconfigured', { detail: `registration_endpoint ${problem}` })
  const method = registrationMethod(discovery.as)
  const registered = await providerStep('dynamic client registration', async () => {
    const response = await oauth.dynamicClientRegistrationRequest(discovery.as, clientMetadata(config, method) as Partial<oauth.Client>, http)
    return oauth.processDynamicClientRegistrationResponse(await withSecretExpiry(response))
  })
  const secret = typeof registered.client_secret === 'string' ? registered.client_secret : undefined
  return {
    client_id: registered.client_id,
    ...(secret !== undefined ? { client_secret: secret } : {}),
    token_endpoint_auth_method: asMethod(registered.token_endpoint_auth_method, secret !== undefined),
    via: 'dynamic_registration',
  }
}

function preRegistered(config: McpConfig, discovery: McpDiscovery): McpClientCredentials | undefined {
  const given = config.preRegistered
  if (!given || (given.issuer !== undefined && new URL(given.issuer).href !== new URL(discovery.issuer).href)) return undefined
  const methods = supportedMethods(discovery.as)
  const method = given.authMethod ?? (given.privateKey !== undefined ? 'private_key_jwt' : given.clientSecret === undefined ? 'none' : !methods.includes('client_secret_basic') && methods.includes('client_secret_post') ? 'client_secret_post' : 'client_secret_basic')
  return {
    client_id: given.clientId, ...(given.clientSecret !== undefined ? { client_secret: given.clientSecret } : {}),
    ...(given.privateKey !== undefined ? { private_key: given.privateKey } : {}), token_endpoint_auth_method: method, via: 'pre_registered',
  }
}

/**
 * The client identity for this authorization server, in the order of MCP 2025-11-25 "Client Registration
 * Approaches": a client ID metadata document when the server advertises `client_id_metadata_document_supported`
 * and one is configured; else dynamic registration (RFC 7591) when the server has a `registration_endpoint`,
 * registering once per (issuer, resource) and keeping the result in the store; else the pre-registered credentials.
 */
export async function resolveClient(config: McpConfig, discovery: McpDiscovery, http: RequestOptions, credentials: CredentialStore): Promise<McpClientCredentials> {
  if (config.grant === 'client_credentials') {
    const given = preRegistered(config, discovery)
    if (given) return given
    throw new ClientError('provider_misconfigured', { detail: `the pre-registered client is not for ${discovery.issuer}` })
  }
  if (config.clientMetadataUrl !== undefined && discovery.as.client_id_metadata_document_supported === true) {
    return { client_id: config.clientMetadataUrl, token_endpoint_auth_method: 'none', via: 'client_id_metadata_document' }
  }
  if (discovery.as.registration_endpoint !== undefined) {
    const stored = await credentials.load<McpClientCredentials>('client', discovery.issuer, discovery.resource)
    if (stored) return stored
    const registered = await register(config, discovery, http)
    await credentials.save('client', discovery.issuer, discovery.resource, registered)
    return registered
  }
  const given = preRegistered(config, discovery)
  if (given) return given
  throw new ClientError('provider_misconfigured', { detail: `${discovery.issuer} supports neither client ID metadata documents nor dynamic registration, and no pre-registered client is configured for it` })
}

/**
 * `client_secret_basic` with RFC 6749 §2.3.1's form-urlencoding as the WHATWG serializer does it, which
 * leaves `-`, `.`, `_` and `*` as they are. oauth4webapi percent-encodes those too — equally valid, but
 * MCP authorization servers that skip the decoding (the MCP conformance suite's) then see another
 * client_id; a conforming server decodes both the same.
 */
function clientSecretBasic(clientSecret: string): oauth.ClientAuth {
  const encode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2)
  return (_as, client, _body, headers) => {
    headers.set('authorization', `Basic ${Buffer.from(`${encode(client.client_id)}:${encode(clientSecret)}`).toString('base64')}`)
  }
}

/** oauth4webapi's client and client authentication for a client identity. */
export function oauthClient(client: McpClientCredentials): { client: oauth.Client; auth: oauth.ClientAuth } {
  const method = client.token_endpoint_auth_method
  if (method === 'private_key_jwt' && client.private_key === undefined) throw new ClientError('provider_misconfigured', { detail: 'private_key_jwt needs preRegistered.privateKey' })
  const auth = method === 'client_secret_basic'
    ? clientSecretBasic(client.client_secret ?? '')
    : method === 'client_secret_post'
      ? oauth.ClientSecretPost(client.client_secret ?? '')
      // RFC 7523 §2.2 through oauth4webapi: `aud` is the issuer identifier (7523bis §4).
      : method === 'private_key_jwt' && client.private_key !== undefined
        ? oauth.PrivateKeyJwt(client.private_key)
        : oauth.None()
  return { client: { client_id: client.client_id }, auth }
}
