import type { OAuthResponse } from '../http/types.js'

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
}

/** The outcome of checking a request: a principal, or the response to send instead. */
export type VerifyResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly response: OAuthResponse }
