import { bearerChallengeOf, type BearerChallenge } from '../../protocol/rfc6750/parse-challenge.js'
import { AuthorizationRequired, ClientConfigError } from '../errors.js'
import { requestOptions, type RequestOptions } from '../http.js'
import { deriveKeys } from '../seal.js'
import { clientCredentialsTokens, completeAuthorization, refreshTokens, startAuthorization, type AuthorizationDeps } from './authorization.js'
import { credentialStore, type CredentialStore, type McpClientCredentials, type McpTokens } from './credentials.js'
import { discover, type McpDiscovery } from './discovery.js'
import { normalizeMcpOptions, type McpClientOptions, type McpConfig } from './options.js'
import { clientMetadata, resolveClient } from './registration.js'

/** An MCP client's OAuth side for one MCP server: discovery, client identity, authorization, tokens, and an authorized `fetch`. */
export interface McpClient {
  /** The configured MCP server URL. */
  readonly serverUrl: string
  readonly redirectUri: string
  /** The configured client ID metadata document URL, if any. */
  readonly clientMetadataUrl: string | undefined
  /** The RFC 7591 §2 metadata this client registers with (and its metadata document should state). */
  readonly registrationMetadata: Record<string, unknown>
  /**
   * `fetch` for the MCP server with its bearer token: authorizes on a 401 (RFC 9728 discovery from the
   * challenge), refreshes on `invalid_token`, re-authorizes for more scope on a 403 `insufficient_scope`
   * (at most `maxStepUps` times per request), and never sends the token to another origin — a redirect to
   * one is returned unfollowed. Give it to the MCP SDK's transport as its `fetch`.
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>
  /** Discovery (cached for this client): the checked resource metadata and the trusted authorization server. */
  discover(challenge?: BearerChallenge): Promise<McpDiscovery>
  /** The client identity for the discovered authorization server (client ID metadata document, registration, or pre-registered). */
  clientCredentials(discovery?: McpDiscovery): Promise<McpClientCredentials>
  /** The authorization URL to send the user to (redirect-style apps); `scope` defaults to the resource's `scopes_supported`. */
  startAuthorization(options?: { scope?: string; challenge?: BearerChallenge }): Promise<URL>
  /** Completes the authorization from the URL the user came back to, and stores the tokens. */
  completeAuthorization(callbackUrl: string | URL): Promise<McpTokens>
  /** Stored tokens for the discovered (issuer, resource), refreshed when expired; undefined when there are none. */
  tokens(): Promise<McpTokens | undefined>
  /** Stores tokens obtained elsewhere (the SDK adapter) for the discovered (issuer, resource). */
  saveTokens(tokens: McpTokens): Promise<void>
  /** Forgets the stored tokens, or the client credentials too. */
  forget(what: 'tokens' | 'all'): Promise<void>
}

function union(...scopes: (string | undefined)[]): string | undefined {
  const all = new Set(scopes.flatMap((scope) => (scope ? scope.split(' ').filter(Boolean) : [])))
  return all.size === 0 ? undefined : [...all].join(' ')
}

/** MCP 2025-11-25 "Scope Selection Strategy": the challenge's scope, else all of `scopes_supported`, else the configured one or none. */
function scopeFor(config: McpConfig, discovery: McpDiscovery, challenge: BearerChallenge | undefined): string | undefined {
  if (challenge?.scope) return challenge.scope
  const supported = discovery.resourceMetadata.scopes_supported
  if (Array.isArray(supported) && supported.length > 0) return supported.join(' ')
  return config.scope
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

async function replayableBody(body: RequestInit['body']): Promise<RequestInit['body']> {
  if (body === undefined || body === null || typeof body === 'string' || body instanceof URLSearchParams || body instanceof Uint8Array || body instanceof ArrayBuffer || body instanceof Blob) return body
  // A stream can be read once; a request may be sent several times (authorization, step-up).
  return new Uint8Array(await new Response(body).arrayBuffer())
}

/**
 * Creates the OAuth side of an MCP client for one MCP server.
 *
 * @example
 * ```ts
 * const mcp = createMcpClient({ serverUrl: 'https://mcp.example.com/mcp', store, secret, redirectUri: 'http://127.0.0.1:8765/callback',
 *   trustedAuthorizationServers: ['https://auth.example.com'], authorize: openBrowserAndWaitForCallback })
 * await sdkClient.connect(new StreamableHTTPClientTransport(new URL(mcp.serverUrl), { fetch: mcp.fetch }))
 * ```
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 */
export function createMcpClient(options: McpClientOptions): McpClient {
  const config = normalizeMcpOptions(options)
  const keys = deriveKeys(config.secret)
  const now = (): number => Math.floor(Date.now() / 1000)
  const http: RequestOptions = requestOptions({ fetch: config.fetch, timeoutMs: config.timeoutMs }, config.insecureLoopback)
  const credentials: CredentialStore = credentialStore(config.store, keys.seal, now)
  const deps: AuthorizationDeps = { store: config.store, sealKey: keys.seal, http, now }
  const send = config.fetch ?? fetch
  let discovered: McpDiscovery | undefined

  async function discoverCached(challenge?: BearerChallenge): Promise<McpDiscovery> {
    // A challenge naming other metadata than before is followed (and checked) again.
    if (discovered && (challenge?.resourceMetadata === undefined || challenge.resourceMetadata === discovered.resourceMetadataUrl)) return discovered
    discovered = await discover(config, http, challenge)
    return discovered
  }

  async function clientCredentials(discovery?: McpDiscovery): Promise<McpClientCredentials> {
    return resolveClient(config, discovery ?? (await discoverCached()), http, credentials)
  }

  async function storedTokens(discovery: McpDiscovery): Promise<McpTokens | undefined> {
    const tokens = await credentials.load<McpTokens>('tokens', discovery.issuer, discovery.resource)
    if (!tokens || tokens.expires_at === undefined || tokens.expires_at > now() + 30) return tokens
    const refreshed = await refreshTokens(deps, discovery, await clientCredentials(discovery), tokens)
    if (refreshed) await credentials.save('tokens', discovery.issuer, discovery.resource, refreshed)
    else await credentials.remove('tokens', discovery.issuer, discovery.resource)
    return refreshed
  }

  async function start(discovery: McpDiscovery, scope: string | undefined): Promise<URL> {
    return startAuthorization(deps, discovery, await clientCredentials(discovery), config.redirectUri, scope)
  }

  async function complete(callbackUrl: string | URL): Promise<McpTokens> {
    const result = await completeAuthorization(deps, new URL(callbackUrl))
    await credentials.save('tokens', result.discovery.issuer, result.discovery.resource, result.tokens)
    return result.tokens
  }

  // Concurrent requests that all meet a 401 (or the same step-up) share one authorization: one user prompt.
  const authorizing = new Map<string, Promise<McpTokens>>()

  function authorizeNow(discovery: McpDiscovery, scope: string | undefined): Promise<McpTokens> {
    const key = `${discovery.issuer}\n${discovery.resource}\n${scope ?? ''}`
    let pending = authorizing.get(key)
    if (!pending) {
      pending = authorizeOnce(discovery, scope).finally(() => authorizing.delete(key))
      authorizing.set(key, pending)
    }
    return pending
  }

  async function authorizeOnce(discovery: McpDiscovery, scope: string | undefined): Promise<McpTokens> {
    if (config.grant === 'client_credentials') {
      const tokens = await clientCredentialsTokens(deps, discovery, await clientCredentials(discovery), scope)
      await credentials.save('tokens', discovery.issuer, discovery.resource, tokens)
      return tokens
    }
    const url = await start(discovery, scope)
    if (!config.authorize) throw new AuthorizationRequired(url)
    return complete(await config.authorize(url))
  }

  /** One request, following same-origin redirects only: a token never leaves the MCP server's origin. */
  async function sendOnce(url: URL, init: RequestInit, token: string | undefined): Promise<Response> {
    let target = url
    let request = init
    for (let hop = 0; ; hop++) {
      const headers = new Headers(request.headers)
      if (token !== undefined) headers.set('authorization', `Bearer ${token}`)
      const response = await send(target, { ...request, headers, redirect: 'manual' })
      const location = response.headers.get('location')
      if (!REDIRECTS.has(response.status) || location === null || hop >= 5) return response
      const next = new URL(location, target)
      // MCP 2025-11-25 "Token Handling" and RFC 9728 §7: a token is for its resource's origin alone.
      if (next.origin !== config.server.origin) return response
      const keepsMethod = response.status === 307 || response.status === 308 || (request.method ?? 'GET').toUpperCase() === 'GET'
      if (!keepsMethod) request = { ...request, method: 'GET', body: null }
      await response.body?.cancel()
      target = next
    }
  }

  async function authorizedFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const url = new URL(input)
    if (url.origin !== config.server.origin) throw new ClientConfigError(`mcp.fetch: ${url.origin} is not the MCP server's origin (${config.server.origin}); its token is not sent there`)
    const request: RequestInit = { ...init, body: await replayableBody(init.body) }
    let tokens = discovered ? await storedTokens(discovered) : undefined
    let stepUps = 0
    let authorized = false
    let triedStored = false
    let refreshed = false
    for (;;) {
      const response = await sendOnce(url, request, tokens?.access_token)
      if (response.status !== 401 && response.status !== 403) return response
      const challenge = bearerChallengeOf(response.headers.get('www-authenticate'))
      if (response.status === 401) {
        if (authorized) return response
        await response.body?.cancel()
        const discovery = await discoverCached(challenge)
        // Each remedy at most once per request, cheapest first: tokens another request stored, a refresh, the user.
        const stored = triedStored ? undefined : await storedTokens(discovery)
        triedStored = true
        if (stored && stored.access_token !== tokens?.access_token) {
          tokens = stored
          continue
        }
        if (tokens && !refreshed && challenge?.error === 'invalid_token') {
          refreshed = true
          const fresh = await refreshTokens(deps, discovery, await clientCredentials(discovery), tokens)
          if (fresh) {
            await credentials.save('tokens', discovery.issuer, discovery.resource, fresh)
            tokens = fresh
            continue
          }
        }
        tokens = await authorizeNow(discovery, scopeFor(config, discovery, challenge))
        authorized = true
        continue
      }
      // RFC 6750 §3.1 / MCP "Scope Challenge Handling": step up to the union of what we hold and what is asked.
      if (challenge?.error !== 'insufficient_scope' || !tokens || stepUps >= config.maxStepUps) return response
      stepUps++
      const discovery = await discoverCached(challenge)
      await response.body?.cancel()
      tokens = await authorizeNow(discovery, union(tokens.scope, challenge.scope))
    }
  }

  return {
    serverUrl: config.serverUrl,
    redirectUri: config.redirectUri,
    clientMetadataUrl: config.clientMetadataUrl,
    registrationMetadata: clientMetadata(config),
    fetch: authorizedFetch,
    discover: discoverCached,
    clientCredentials,
    async startAuthorization(startOptions = {}) {
      const discovery = await discoverCached(startOptions.challenge)
      return start(discovery, startOptions.scope ?? scopeFor(config, discovery, startOptions.challenge))
    },
    completeAuthorization: complete,
    async tokens() {
      return storedTokens(await discoverCached())
    },
    async saveTokens(tokens) {
      const discovery = await discoverCached()
      await credentials.save('tokens', discovery.issuer, discovery.resource, tokens)
    },
    async forget(what) {
      const discovery = await discoverCached()
      await credentials.remove('tokens', discovery.issuer, discovery.resource)
      if (what === 'all') await credentials.remove('client', discovery.issuer, discovery.resource)
    },
  }
}
