/**
 * The one error type every protocol step throws. `error` is the registered code a client sees
 * (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; RFC 7009 §2.2.1); `description` is safe to show a client;
 * `detail` is for operators only and is never serialized.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'unsupported_token_type'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'account_selection_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'invalid_request_uri'
  /** RFC 9101 §6.3, §7: a request object that fails verification or validation. */
  | 'invalid_request_object'
  | 'registration_not_supported'
  | 'invalid_target'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  /** RFC 9449 §7.1 / §5: a DPoP proof that fails validation. */
  | 'invalid_dpop_proof'
  /** RFC 9449 §8, §9: the server wants a proof carrying the nonce it supplies in `DPoP-Nonce`. */
  | 'use_dpop_nonce'
  /** RFC 8628 §3.5: the device flow's polling answers. */
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  /** RFC 9470 §3: the token's authentication (`acr`, `auth_time`) is not enough for this resource. */
  | 'insufficient_user_authentication'

const DEFAULT_STATUS: Partial<Record<OAuthErrorCode, number>> = {
  invalid_client: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  insufficient_user_authentication: 401,
  server_error: 500,
  temporarily_unavailable: 503,
}

export interface OAuthErrorOptions {
  /** HTTP status; defaults by code (400 for most, 401 invalid_client/invalid_token, 403 insufficient_scope). */
  status?: number
  /** Operator-only detail: logged, never sent to the client. */
  detail?: string
  cause?: unknown
}

// RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
const UNSAFE_DESCRIPTION = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g

/** A protocol error: its RFC `error` code, a client-safe description, the HTTP status and operator-only detail that is never serialized. */
export class OAuthError extends Error {
  readonly error: OAuthErrorCode
  readonly description: string | undefined
  readonly status: number
  readonly detail: string | undefined

  constructor(error: OAuthErrorCode, description?: string, options: OAuthErrorOptions = {}) {
    super(description ? `${error}: ${description}` : error, { cause: options.cause })
    this.name = 'OAuthError'
    this.error = error
    this.description = description?.replace(UNSAFE_DESCRIPTION, ' ')
    this.status = options.status ?? DEFAULT_STATUS[error] ?? 400
    this.detail = options.detail
  }

  /** The wire form of RFC 6749 §5.2: `{ error, error_description? }`. */
  toJSON(): { error: OAuthErrorCode; error_description?: string } {
    return this.description === undefined
      ? { error: this.error }
      : { error: this.error, error_description: this.description }
  }
}

/** Whether `value` is an `OAuthError`, narrowing it for a `switch (error.error)`. */
export function isOAuthError(value: unknown): value is OAuthError {
  return value instanceof OAuthError
}
