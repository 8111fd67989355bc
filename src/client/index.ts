/**
 * `tessera-oidc/client`: "Log in with …" for TypeScript apps, on oauth4webapi. Register providers (presets for
 * Google, GitHub, Microsoft, GitLab, Apple, Discord, Okta, Auth0, Keycloak, Tessera, or any OIDC issuer),
 * then call `authorizeRedirect` in the login route and `authorizeAccessToken` in the callback.
 *
 * @example
 * ```ts
 * import { createOAuth, createMemoryClientStore } from 'tessera-oidc/client'
 * const oauth = createOAuth({ store: createMemoryClientStore(), secret })
 * oauth.register({ name: 'google', preset: 'google', clientId, clientSecret, scope: 'openid email profile' })
 * ```
 *
 * @module tessera-oidc/client
 */
import type { RelyingPartyStore } from './store.js'

export { createOAuth, type OAuth, type OAuthOptions } from './oauth.js'
export { createClientContext, type ClientContext, type ClientContextInput, type ClientRedirect } from './context.js'
export { clientRedirectResponse } from './response.js'
export { clientRoutes, sessionFromCookieHeader, sessionFromRequest, type ClientRouteHandler, type ClientRoutes, type ClientRoutesOptions, type ClientSession } from './routes.js'
export { AuthorizationRequired, ClientConfigError, ClientError, ReauthenticationRequired, isClientError, type ClientErrorCode } from './errors.js'
export { createMcpClient, mcpSdkAuthProvider, type McpClient, type McpSdkAuthProvider, type McpClientCredentials, type McpClientOptions, type McpDiscovery, type McpSdkProviderOptions, type McpTokens, type PreRegisteredClient } from './mcp/index.js'
export { bearerChallengeOf, type BearerChallenge } from '../protocol/rfc6750/parse-challenge.js'
export type { AuthorizeRedirectOptions, LoginResult } from './login.js'
export type { LogoutOptions, LogoutResult } from './logout.js'
export type { BackchannelLogoutReceiverOptions, BackchannelLogoutResult } from './backchannel-logout.js'
export type { ClientPrivateKey, ProviderRegistration, TokenEndpointAuthMethod } from './provider.js'
export { PRESETS, type PresetName, type ProviderPreset } from './providers/presets.js'
export type { ProviderProfile } from './providers/profile.js'
export type { ResourceRequestInit } from './resource.js'
export { safeReturnTo } from './return-to.js'
export type { ClientLogger } from './runtime.js'
export type { RefreshLease, RelyingPartyStore, SessionRecord, TransactionRecord } from './store.js'
/**
 * The relying party's store under its former name, which clashed with the authorization server's store
 * of registered clients.
 *
 * @deprecated use `RelyingPartyStore`; this alias goes away in the next release.
 */
export type ClientStore = RelyingPartyStore
export { createMemoryClientStore } from './memory-store.js'
/** What the PostgreSQL and Redis client stores reject with while their server cannot be reached. */
export { StorageUnavailableError } from '../storage/types.js'
export type { TokenSet } from './token-set.js'
export type { ClientUser } from './user.js'
