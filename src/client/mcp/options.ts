import type { ClientPrivateKey } from '../token-endpoint-auth.js'
import { endpointProblem } from '../endpoints.js'
import { ClientConfigError } from '../errors.js'
import type { RelyingPartyStore } from '../store.js'

/** Client credentials obtained outside the protocol (MCP 2025-11-25 "Preregistration"). */
export interface PreRegisteredClient {
  clientId: string
  clientSecret?: string
  /**
   * `private_key_jwt` (RFC 7523 §2.2; MCP SEP-1046) for a `client_credentials` agent: its private key and the
   * `kid` registered with the authorization server. The assertion's `aud` is the issuer.
   */
  privateKey?: ClientPrivateKey
  /** The authorization server they were issued by; omitted, they are offered to any trusted one. */
  issuer?: string
  /**
   * Default: `private_key_jwt` with a `privateKey`, `client_secret_basic` with a secret (`client_secret_post`
   * when the server offers only that), else `none`.
   */
  authMethod?: 'client_secret_basic' | 'client_secret_post' | 'none' | 'private_key_jwt'
}

/**
 * Options of `createMcpClient`: one MCP server (`serverUrl`), the store and secret that keep its credentials
 * and tokens, and how this client identifies itself (client ID metadata document, dynamic registration,
 * pre-registered credentials — tried in that order).
 */
export interface McpClientOptions {
  /** The MCP server's URL (its streamable HTTP endpoint). */
  serverUrl: string
  /** Where client credentials, tokens and pending authorizations are kept, per (issuer, resource). */
  store: RelyingPartyStore
  /** At least 32 characters: seals tokens and credentials before they reach the store. */
  secret: string
  /** The redirect URI the authorization server sends the user back to. */
  redirectUri: string
  /** The URL of this client's metadata document (draft-ietf-oauth-client-id-metadata-document), used as `client_id` where supported. */
  clientMetadataUrl?: string
  /** `client_name` sent with dynamic registration (RFC 7591 §2). */
  clientName?: string
  preRegistered?: PreRegisteredClient
  /**
   * `authorization_code` (default): a user authorizes. `client_credentials`: an agent acting for itself with
   * its `preRegistered` credentials (RFC 6749 §4.4; the MCP client-credentials extension, SEP-1046).
   */
  grant?: 'authorization_code' | 'client_credentials'
  /**
   * Which authorization servers may be used (RFC 9728 §7.6): issuer URLs, or a predicate. Default: only one
   * on the MCP server's own origin; any other an MCP server names is refused with `untrusted_authorization_server`.
   */
  trustedAuthorizationServers?: readonly string[] | ((issuer: string) => boolean)
  /**
   * Sends the user to `authorizationUrl` and resolves with the URL the authorization server redirected back
   * to. Without it, a request that needs authorization throws `AuthorizationRequired`.
   */
  authorize?: (authorizationUrl: URL) => Promise<string | URL>
  /** Scope asked for when neither the challenge nor the resource's metadata names one. */
  scope?: string
  /** Re-authorizations for more scope (403 `insufficient_scope`) per request; default 2. */
  maxStepUps?: number
  /** Accept plain http for loopback hosts (development, tests); warns. */
  allowInsecureLoopback?: boolean
  /** Replaces the global `fetch` (proxies, tests). */
  fetch?: typeof fetch
  /** Per-request timeout in milliseconds; default 10,000. */
  timeoutMs?: number
  /** Called with configuration warnings. Default `console.warn`. */
  warn?: (message: string) => void
}

export interface McpConfig extends Required<Pick<McpClientOptions, 'serverUrl' | 'store' | 'secret' | 'redirectUri' | 'maxStepUps' | 'timeoutMs'>> {
  server: URL
  clientMetadataUrl: string | undefined
  clientName: string
  preRegistered: PreRegisteredClient | undefined
  grant: 'authorization_code' | 'client_credentials'
  trusts: (issuer: string) => boolean
  authorize: McpClientOptions['authorize']
  scope: string | undefined
  insecureLoopback: boolean
  fetch: typeof fetch | undefined
}

function sameIssuer(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href
  } catch {
    return false
  }
}

/** Validates the options once, naming the field and the fix. */
export function normalizeMcpOptions(options: McpClientOptions): McpConfig {
  const insecureLoopback = options.allowInsecureLoopback === true
  for (const [field, value] of [['serverUrl', options.serverUrl], ['redirectUri', options.redirectUri], ['clientMetadataUrl', options.clientMetadataUrl]] as const) {
    if (value === undefined && field === 'clientMetadataUrl') continue
    // A redirect URI is loopback http for a native app (RFC 8252 §7.3) without any opt-in.
    const problem = endpointProblem(value, insecureLoopback || field === 'redirectUri')
    if (problem) throw new ClientConfigError(`createMcpClient: ${field} ${problem}`)
  }
  if (options.clientMetadataUrl !== undefined && new URL(options.clientMetadataUrl).pathname === '/') {
    // draft-ietf-oauth-client-id-metadata-document §3: an https URL with a path component (http only on loopback, opted in above).
    throw new ClientConfigError('createMcpClient: clientMetadataUrl must have a path (e.g. https://app.example/client.json)')
  }
  if (typeof options.secret !== 'string' || options.secret.length < 32) throw new ClientConfigError('createMcpClient: secret must be at least 32 characters (e.g. `openssl rand -base64 32`)')
  const maxStepUps = options.maxStepUps ?? 2
  if (!Number.isInteger(maxStepUps) || maxStepUps < 0 || maxStepUps > 5) throw new ClientConfigError('createMcpClient: maxStepUps must be an integer from 0 to 5')
  const grant = options.grant ?? 'authorization_code'
  if (grant === 'client_credentials' && options.preRegistered?.clientSecret === undefined && options.preRegistered?.privateKey === undefined) {
    throw new ClientConfigError("createMcpClient: grant 'client_credentials' needs preRegistered with a clientSecret or a privateKey")
  }
  // The key is never stored, and an authorization-code flow resumes from the store.
  if (options.preRegistered?.privateKey !== undefined && grant !== 'client_credentials') {
    throw new ClientConfigError("createMcpClient: preRegistered.privateKey is for grant 'client_credentials'")
  }
  const server = new URL(options.serverUrl)
  const trusted = options.trustedAuthorizationServers
  const trusts = typeof trusted === 'function' ? trusted : (issuer: string): boolean =>
    trusted ? trusted.some((entry) => sameIssuer(entry, issuer)) : new URL(issuer).origin === server.origin
  if (insecureLoopback) (options.warn ?? console.warn)('createMcpClient: allowInsecureLoopback is on; http is accepted for loopback hosts')
  return {
    serverUrl: server.href,
    server,
    store: options.store,
    secret: options.secret,
    redirectUri: options.redirectUri,
    clientMetadataUrl: options.clientMetadataUrl,
    clientName: options.clientName ?? 'Tessera MCP client',
    preRegistered: options.preRegistered,
    grant,
    trusts,
    authorize: options.authorize,
    scope: options.scope,
    maxStepUps,
    insecureLoopback,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 10_000,
  }
}
