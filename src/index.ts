/**
 * `tessera`: OAuth 2.0 and OpenID Connect for TypeScript. The parts live at their own entry points:
 * `tessera/server` (authorization server), `tessera/storage/sqlite` and `tessera/storage/memory`,
 * `tessera/adapters/hono` and `tessera/adapters/node`. This root re-exports the shared error type.
 */
export { OAuthError, isOAuthError, type OAuthErrorCode } from './errors.js'
export type { OAuthRequest, OAuthResponse } from './http/types.js'
