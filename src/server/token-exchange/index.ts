import type { Capability } from '../context.js'
import { TOKEN_TYPES } from '../../protocol/rfc8693/token-types.js'
import { tokenExchangeGrantType } from './grant.js'
import { resolveTokenExchangeOptions, type TokenExchangeOptions } from './options.js'

export type { TokenExchangeOptions } from './options.js'
export {
  EXCHANGEABLE_SUBJECT_TYPES, setTokenExchangePolicy, storedTokenExchangePolicy, tokenExchangePolicyProblem,
  type ExchangeableSubjectType, type IdJagTarget, type TokenExchangePolicy,
} from './policy.js'
export { TOKEN_EXCHANGE_GRANT_TYPE, TOKEN_TYPES } from '../../protocol/rfc8693/token-types.js'

/** The capability's audit event (merged into `AuditEventMap`). */
declare module '../audit/events.js' {
  interface AuditEventMap {
    /** A token exchange issued a token: who asked, for whom, for what, and the actor chain (outermost first). */
    'token_exchange.issued': {
      client_id: string; subject: string; subject_token_type: string; subject_client_id: string | null
      issued_token_type: string; audience: string[]; scopes: string[]; actor_chain: string[]; jti: string
    }
  }
}

/**
 * OAuth 2.0 Token Exchange (RFC 8693): `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` with a
 * `subject_token` (this server's access tokens and ID tokens, and JWTs of trusted issuers), an optional
 * `actor_token` (delegation: the issued token's `act` names the actor, nested for chains), and
 * `requested_token_type` access token, JWT or ID-JAG (the identity assertion a client presents to another
 * authorization server's JWT-bearer grant: MCP's cross-app access). What each client may do is its
 * token exchange policy (`TokenExchangePolicy`); without one, exchange only narrows. Clients need the grant
 * in their `grant_types` and a confidential authentication method. Discovery lists the grant type.
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [tokenExchange({
 *   clients: { orders: { resources: ['https://orders.example.com'], audiences: ['https://billing.example.com'], delegation: true } },
 * })] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8693
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-identity-assertion-authz-grant/
 */
export function tokenExchange(options: TokenExchangeOptions = {}): Capability {
  const resolved = resolveTokenExchangeOptions(options)
  return {
    name: 'token-exchange',
    spec: 'RFC 8693, draft-ietf-oauth-identity-assertion-authz-grant',
    grants: [tokenExchangeGrantType(resolved)],
    // ID-JAG "Authorization Server (IdP) Metadata": the identity chaining draft's member names the ID-JAG.
    metadata: () => ({ identity_chaining_requested_token_types_supported: [TOKEN_TYPES.id_jag] }),
    auditEvents: { 'token_exchange.issued': 'info' },
  }
}
