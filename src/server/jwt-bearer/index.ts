import type { Capability } from '../context.js'
import { jwtBearerGrantType } from './grant.js'
import { resolveJwtBearerOptions, type JwtBearerGrantOptions } from './options.js'

export type { GrantSubject, JwtBearerGrantOptions, SubjectMapping, TrustedIssuer } from './options.js'
export { JWT_BEARER_GRANT_TYPE, ID_JAG_TYPE } from '../../protocol/rfc7523/authorization-grant.js'

/** The capability's audit event (merged into `AuditEventMap`). */
declare module '../audit/events.js' {
  interface AuditEventMap {
    /** A trusted issuer's assertion (an ID-JAG or a plain RFC 7523 grant) was exchanged for a token. */
    'jwt_bearer.accepted': { client_id: string; user_id: string; issuer: string; id_jag: boolean }
  }
}

/**
 * The JWT-bearer authorization grant (RFC 7523 §2.1): `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`
 * with an `assertion` signed by a configured trusted issuer, exchanged for an access token for the user
 * its subject maps to — including the Identity Assertion JWT Authorization Grants (ID-JAG) of MCP's
 * enterprise-managed authorization, whose `client_id`, `scope` and `resource` claims bound the token.
 * Clients need the grant in their `grant_types` and a confidential authentication method; each issuer
 * names the clients that may present its assertions. Discovery lists the grant type.
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [jwtBearerGrant({
 *   issuers: [{ issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/jwks', clients: ['wiki'] }],
 * })] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-identity-assertion-authz-grant/
 */
export function jwtBearerGrant(options: JwtBearerGrantOptions): Capability {
  const resolved = resolveJwtBearerOptions(options)
  return {
    name: 'jwt-bearer-grant',
    spec: 'RFC 7523 §2.1, draft-ietf-oauth-identity-assertion-authz-grant',
    grants: [jwtBearerGrantType(resolved)],
    auditEvents: { 'jwt_bearer.accepted': 'info' },
  }
}
