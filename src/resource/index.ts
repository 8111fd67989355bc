/**
 * `tessera-oidc/resource`: bearer-token protection for APIs (RFC 6750, RFC 9068, RFC 7662, RFC 9728).
 *
 * @example
 * ```ts
 * import { createResourceServer } from 'tessera-oidc/resource'
 *
 * const rs = createResourceServer({ issuer: 'https://as.example.com', audience: 'https://api.example.com' })
 * const result = await rs.requireScopes('notes:read')(request)
 * ```
 *
 * @module tessera-oidc/resource
 */
export { createResourceServer, type AccessRequirement, type ResourceServer } from './create-resource-server.js'
export type { AuthenticationRequirement } from '../protocol/rfc9470/authentication-requirement.js'
export {
  DEFAULT_ACCESS_TOKEN_ALGORITHMS,
  ResourceConfigError,
  type IntrospectionOptions,
  type ResourceServerOptions,
  type TrustedIssuer,
} from './config.js'
export type { Actor, Principal, VerifyResult } from './principal.js'
export { ResourceAccessError, type RefusalBody } from './access-error.js'
export { memoryDpopReplayStore, recordsDpopReplayStore, type DpopReplayStore, type DpopResourceOptions, type RecordPutter } from './dpop.js'
export { protectedResourceMetadataPath, protectedResourceMetadataUrl, type ProtectedResourceMetadata } from './metadata.js'
export { OAuthError, type OAuthErrorCode } from '../errors.js'
export type { OAuthRequest, OAuthResponse } from '../http/types.js'
