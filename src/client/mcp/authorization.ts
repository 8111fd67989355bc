import { createHash } from 'node:crypto'
import * as oauth from 'oauth4webapi'
import { ClientError } from '../errors.js'
import { providerStep, type RequestOptions } from '../http.js'
import { TRANSACTION_TTL } from '../runtime.js'
import { seal, unseal } from '../seal.js'
import type { RelyingPartyStore } from '../store.js'
import type { McpClientCredentials, McpTokens } from './credentials.js'
import type { McpDiscovery } from './discovery.js'
import { oauthClient } from './registration.js'

/** A pending authorization, sealed in the store under the SHA-256 of its `state`. */
interface PendingAuthorization {
  verifier: string
  redirectUri: string
  scope: string | undefined
  client: McpClientCredentials
  discovery: McpDiscovery
}

export interface AuthorizationDeps {
  store: RelyingPartyStore
  sealKey: Buffer
  http: RequestOptions
  now: () => number
}

const stateKey = (state: string): string => createHash('sha256').update(state).digest('base64url')

/**
 * The authorization request (RFC 6749 §4.1.1) for the MCP server's resource: PKCE S256 (RFC 7636),
 * `resource` = the resource identifier from its checked metadata (RFC 8707 §2, MCP 2025-11-25 "Resource
 * Parameter Implementation"), `scope` when one was chosen; the verifier waits in the store, sealed.
 */
export async function startAuthorization(deps: AuthorizationDeps, discovery: McpDiscovery, client: McpClientCredentials, redirectUri: string, scope: string | undefined): Promise<URL> {
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const url = new URL(discovery.as.authorization_endpoint as string)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', client.client_id)
  url.searchParams.set('redirect_uri', redirectUri)
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier))
  url.searchParams.set('code_challenge_method', 'S256')
  url.searchParams.set('state', state)
  url.searchParams.set('resource', discovery.resource)
  if (scope) url.searchParams.set('scope', scope)
  const key = stateKey(state)
  const pending: PendingAuthorization = { verifier, redirectUri, scope, client, discovery }
  const now = deps.now()
  await deps.store.transactions.save({ key, provider: 'mcp', sealed: seal(deps.sealKey, JSON.stringify(pending), key), created_at: now, expires_at: now + TRANSACTION_TTL })
  return url
}

export function tokensFrom(response: oauth.TokenEndpointResponse, now: number, requestedScope: string | undefined, previous?: McpTokens): McpTokens {
  const scope = response.scope ?? requestedScope ?? previous?.scope
  const refresh = response.refresh_token ?? previous?.refresh_token
  return {
    access_token: response.access_token,
    token_type: response.token_type,
    ...(refresh !== undefined ? { refresh_token: refresh } : {}),
    ...(typeof response.expires_in === 'number' ? { expires_at: now + response.expires_in } : {}),
    ...(scope !== undefined ? { scope } : {}),
  }
}

/**
 * The redirect back (RFC 6749 §4.1.2): the pending authorization is consumed once by its `state`, the
 * response validated by oauth4webapi (`state`, RFC 9207 `iss` when advertised), the code exchanged with
 * the verifier and the same `resource` (RFC 8707 §2.2).
 */
export async function completeAuthorization(deps: AuthorizationDeps, callbackUrl: URL): Promise<{ discovery: McpDiscovery; client: McpClientCredentials; tokens: McpTokens }> {
  const state = callbackUrl.searchParams.get('state')
  if (!state) throw new ClientError('state_mismatch', { detail: 'the callback has no state' })
  const key = stateKey(state)
  const record = await deps.store.transactions.consume(key)
  if (!record || record.provider !== 'mcp') throw new ClientError('transaction_unknown')
  if (record.expires_at <= deps.now()) throw new ClientError('transaction_expired')
  const json = unseal(deps.sealKey, record.sealed, key)
  if (json === undefined) throw new ClientError('transaction_unknown', { detail: 'the pending authorization does not unseal' })
  const pending = JSON.parse(json) as PendingAuthorization
  const { as } = pending.discovery
  const { client, auth } = oauthClient(pending.client)
  const tokens = await providerStep('authorization code exchange', async () => {
    const parameters = oauth.validateAuthResponse(as, client, callbackUrl, state)
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, parameters, pending.redirectUri, pending.verifier, {
      ...deps.http,
      additionalParameters: { resource: pending.discovery.resource },
    })
    return oauth.processAuthorizationCodeResponse(as, client, response)
  })
  return { discovery: pending.discovery, client: pending.client, tokens: tokensFrom(tokens, deps.now(), pending.scope) }
}

/** RFC 6749 §6 with the same `resource` (RFC 8707 §2.2); undefined when the refresh token is refused. */
export async function refreshTokens(deps: AuthorizationDeps, discovery: McpDiscovery, credentials: McpClientCredentials, tokens: McpTokens): Promise<McpTokens | undefined> {
  if (!tokens.refresh_token) return undefined
  const refreshToken = tokens.refresh_token
  const { client, auth } = oauthClient(credentials)
  try {
    const response = await providerStep('refresh', async () => {
      const answer = await oauth.refreshTokenGrantRequest(discovery.as, client, auth, refreshToken, { ...deps.http, additionalParameters: { resource: discovery.resource } })
      return oauth.processRefreshTokenResponse(discovery.as, client, answer)
    })
    return tokensFrom(response, deps.now(), undefined, tokens)
  } catch (error) {
    if (error instanceof ClientError && error.code === 'provider_rejected') return undefined
    throw error
  }
}

/** RFC 6749 §4.4 with `resource` (RFC 8707 §2.2): an agent's own token, no user involved. */
export async function clientCredentialsTokens(deps: AuthorizationDeps, discovery: McpDiscovery, credentials: McpClientCredentials, scope: string | undefined): Promise<McpTokens> {
  const { client, auth } = oauthClient(credentials)
  const response = await providerStep('client credentials grant', async () => {
    const answer = await oauth.clientCredentialsGrantRequest(discovery.as, client, auth, { resource: discovery.resource, ...(scope ? { scope } : {}) }, deps.http)
    return oauth.processClientCredentialsResponse(discovery.as, client, answer)
  })
  return tokensFrom(response, deps.now(), scope)
}
