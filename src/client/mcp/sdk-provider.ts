import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js'
import type { AuthorizationServerMetadata, OAuthClientInformationMixed, OAuthClientMetadata, OAuthProtectedResourceMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js'
import { bearerChallengeOf, type BearerChallenge } from '../../protocol/rfc6750/parse-challenge.js'
import type { McpClient } from './client.js'

/** Options of the MCP SDK `OAuthClientProvider` built on a Tessera MCP client. */
export interface McpSdkProviderOptions {
  /** Sends the user to the authorization URL; then call the transport's `finishAuth(code)` with the code they come back with. */
  redirectToAuthorization(authorizationUrl: URL): void | Promise<void>
}

/** The provider, and a `fetch` for the same transport that lets it see the server's challenges. */
export interface McpSdkAuthProvider extends OAuthClientProvider {
  /**
   * Pass as the transport's `fetch` too: the SDK does not hand a provider the 401's `resource_metadata`,
   * so without it discovery uses the well-known URLs only (RFC 9728 §3.1).
   */
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>
}

/**
 * The MCP TypeScript SDK's `OAuthClientProvider` on a Tessera `McpClient`: discovery (RFC 9728 with the
 * `resource` identity and trust checks, RFC 8414/OIDC), the client identity (client ID metadata document >
 * dynamic registration > pre-registered) and token storage are Tessera's; the SDK builds the authorization
 * request and exchanges the code. The SDK is only needed by the caller (types only here).
 *
 * @example
 * ```ts
 * const provider = mcpSdkAuthProvider(mcp, { redirectToAuthorization: (url) => open(url) })
 * const transport = new StreamableHTTPClientTransport(new URL(mcp.serverUrl), { authProvider: provider, fetch: provider.fetch })
 * ```
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 */
export function mcpSdkAuthProvider(mcp: McpClient, options: McpSdkProviderOptions): McpSdkAuthProvider {
  let verifier: string | undefined
  let challenge: BearerChallenge | undefined
  const origin = new URL(mcp.serverUrl).origin
  const now = (): number => Math.floor(Date.now() / 1000)
  const provider: McpSdkAuthProvider = {
    async fetch(input, init) {
      const response = await fetch(input, init)
      if ((response.status === 401 || response.status === 403) && new URL(input).origin === origin) {
        challenge = bearerChallengeOf(response.headers.get('www-authenticate')) ?? challenge
      }
      return response
    },
    get redirectUrl() {
      return mcp.redirectUri
    },
    get clientMetadata() {
      return mcp.registrationMetadata as OAuthClientMetadata
    },
    // The SDK skips its own discovery when this answers: Tessera's checks decide which server is used.
    async discoveryState(): Promise<OAuthDiscoveryState> {
      const discovery = await mcp.discover(challenge)
      return {
        authorizationServerUrl: discovery.issuer,
        resourceMetadataUrl: discovery.resourceMetadataUrl,
        resourceMetadata: discovery.resourceMetadata as unknown as OAuthProtectedResourceMetadata,
        authorizationServerMetadata: discovery.as as unknown as AuthorizationServerMetadata,
      }
    },
    async validateResourceURL() {
      return new URL((await mcp.discover()).resource)
    },
    async clientInformation(): Promise<OAuthClientInformationMixed> {
      const discovery = await mcp.discover()
      const client = await mcp.clientCredentials(discovery)
      return {
        client_id: client.client_id,
        ...(client.client_secret !== undefined ? { client_secret: client.client_secret } : {}),
        token_endpoint_auth_method: client.token_endpoint_auth_method,
        redirect_uris: [mcp.redirectUri],
        issuer: discovery.issuer,
      } as OAuthClientInformationMixed
    },
    // Registration happens in clientInformation(), so the SDK never registers on its own.
    saveClientInformation() {},
    async tokens(): Promise<OAuthTokens | undefined> {
      let discovery
      try {
        discovery = await mcp.discover()
      } catch {
        // Before the first challenge the server may not be reachable yet; auth() reports discovery errors.
        return undefined
      }
      const tokens = await mcp.tokens()
      if (!tokens) return undefined
      return {
        access_token: tokens.access_token,
        token_type: tokens.token_type,
        ...(tokens.refresh_token !== undefined ? { refresh_token: tokens.refresh_token } : {}),
        ...(tokens.expires_at !== undefined ? { expires_in: Math.max(0, tokens.expires_at - now()) } : {}),
        ...(tokens.scope !== undefined ? { scope: tokens.scope } : {}),
        issuer: discovery.issuer,
      } as OAuthTokens
    },
    async saveTokens(tokens) {
      await mcp.saveTokens({
        access_token: tokens.access_token,
        token_type: tokens.token_type,
        ...(tokens.refresh_token !== undefined ? { refresh_token: tokens.refresh_token } : {}),
        ...(tokens.expires_in !== undefined ? { expires_at: now() + tokens.expires_in } : {}),
        ...(tokens.scope !== undefined ? { scope: tokens.scope } : {}),
      })
    },
    redirectToAuthorization(url) {
      return options.redirectToAuthorization(url)
    },
    saveCodeVerifier(codeVerifier) {
      verifier = codeVerifier
    },
    codeVerifier() {
      if (verifier === undefined) throw new Error('no authorization is in progress')
      return verifier
    },
    async invalidateCredentials(scope) {
      if (scope === 'all' || scope === 'client') await mcp.forget('all')
      else if (scope === 'tokens') await mcp.forget('tokens')
    },
  }
  if (mcp.clientMetadataUrl !== undefined) provider.clientMetadataUrl = mcp.clientMetadataUrl
  return provider
}
