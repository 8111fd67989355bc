/**
 * `tessera/server`: the OAuth 2.0 authorization server and OpenID provider.
 *
 * @example
 * ```ts
 * import { createAuthorizationServer } from 'tessera/server'
 * import { openSqliteStore } from 'tessera/storage/sqlite'
 *
 * const store = await openSqliteStore({ filename: './data/tessera.db' })
 * const server = await createAuthorizationServer({ issuer: 'http://localhost:4000', store, secret: process.env.TESSERA_SECRET! })
 * ```
 */
export { createAuthorizationServer, type AuthorizationServer } from './create-server.js'
export { ConfigError, type AuthorizationServerConfig, type Lifetimes, type ResourceConfig } from './config.js'
export { createClient, createUser, ValidationError, type CreatedClient, type NewClientInput, type NewUserInput } from './admin.js'
export { rotateSigningKeys, ensureSigningKeys, DEFAULT_KEY_ALGORITHMS } from './key-set.js'
export type { EndpointUrls } from './context.js'
export { OAuthError, type OAuthErrorCode } from '../errors.js'
export type { OAuthRequest, OAuthResponse } from '../http/types.js'
