import { OAuthError } from '../errors.js'
import type { OAuthResponse } from '../http/types.js'
import { readActorClaim } from '../protocol/rfc8693/actor-claim.js'

/**
 * RFC 8693 §4.1: a party acting for the token's subject — a service that exchanged the token with its own
 * actor token — and, in `actor`, the one that acted before it. Only the outermost actor counts for access
 * decisions; the nested ones are informational (§4.1), so check `principal.actor` and never search the chain
 * for a privileged name.
 */
export interface Actor {
  /** `act.sub`: the actor (a client's id for a service acting with its client-credentials token). */
  readonly subject: string
  /** `act.client_id`: the client the actor exchanged through, when the token says. */
  readonly clientId?: string
  /** The actor before this one (`act.act`). */
  readonly actor?: Actor
}

/** Who a verified access token speaks for, and what it allows (RFC 9068 §2.2 / RFC 7662 §2.2 claims). */
export interface Principal {
  /** `sub`: the resource owner, or the client itself for client credentials (RFC 9068 §2.2). */
  readonly subject: string
  /** `client_id` of the client the token was issued to. */
  readonly clientId: string
  /** Granted scopes, parsed from `scope` (RFC 6749 §3.3). */
  readonly scopes: readonly string[]
  /** Every claim of the token (JWT path) or of the introspection answer (RFC 7662 path). */
  readonly claims: Readonly<Record<string, unknown>>
  /**
   * RFC 8693 §4.1 `act`: who acts for `subject` (service B acting for service A acting for alice:
   * `{ subject: 'svc-b', actor: { subject: 'svc-a' } }`); undefined when the subject acts itself.
   */
  readonly actor?: Actor
}

/**
 * The `actor` of a principal from a token's `act` claim (JWT claims or an introspection answer). A
 * malformed `act` makes the token invalid: a resource server must not mistake a delegated token for the
 * subject's own.
 */
export function actorOf(claims: Readonly<Record<string, unknown>>): Actor | undefined {
  const act = readActorClaim(claims.act)
  if (typeof act === 'string') throw new OAuthError('invalid_token', 'The access token is invalid or expired', { detail: act })
  const convert = (claim: NonNullable<typeof act>): Actor => ({
    subject: claim.sub,
    ...(claim.client_id !== undefined ? { clientId: claim.client_id } : {}),
    ...(claim.act !== undefined ? { actor: convert(claim.act) } : {}),
  })
  return act === undefined ? undefined : convert(act)
}

/** The outcome of checking a request: a principal, or the response to send instead. */
export type VerifyResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly response: OAuthResponse }
