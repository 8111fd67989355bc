/**
 * Errors of the relying party. `code` is a closed union so an app can `switch (error.code)` and render a
 * friendly page; `description` is safe to show a user; `detail` is for operators only (log it, never render
 * it). A transport failure, a provider that said no and a provider answer that failed validation each have
 * their own code.
 *
 * @example
 * ```ts
 * try { await oauth.authorizeAccessToken(ctx, 'google') }
 * catch (error) { if (isClientError(error) && error.code === 'access_denied') return renderCancelled() }
 * ```
 */
export type ClientErrorCode =
  /** The user (or the provider's policy) declined: `error=access_denied` on the callback. */
  | 'access_denied'
  /** Any other error on the callback (`login_required`, `server_error`, …); see `providerError`. */
  | 'authorization_failed'
  /** The callback carries no transaction cookie: another browser, blocked cookies, or login CSRF. */
  | 'transaction_missing'
  /** The `state` is missing or is not one of this browser's pending logins. */
  | 'state_mismatch'
  /** The transaction is unknown or already used: a replayed or stale callback. */
  | 'transaction_unknown'
  /** The transaction is older than its 10-minute lifetime. */
  | 'transaction_expired'
  /** Network failure or timeout talking to the provider. */
  | 'provider_unreachable'
  /** A provider endpoint answered with an OAuth error (`invalid_grant`, `invalid_client`, …); see `providerError`. */
  | 'provider_rejected'
  /** A provider answer failed validation (ID token, `iss`, `nonce`, userinfo `sub`, …). */
  | 'invalid_response'
  /** Discovery failed validation: issuer mismatch, an endpoint that is not https, missing endpoints. */
  | 'provider_misconfigured'
  /** No provider registered under that name. */
  | 'unknown_provider'
  /** There is no (live) local session for this request. */
  | 'not_authenticated'
  /** The session can no longer get tokens: no refresh token, or the refresh token was refused. */
  | 'reauthentication_required'
  /** MCP: the protected-resource metadata names another resource than the server it was fetched for (RFC 9728 §3.3). */
  | 'resource_mismatch'
  /** MCP: none of the resource's `authorization_servers` is trusted by the client's configuration (RFC 9728 §7.6). */
  | 'untrusted_authorization_server'
  /** MCP: the user must authorize the client; `AuthorizationRequired.authorizationUrl` is where to send them. */
  | 'authorization_required'

const DESCRIPTIONS: Record<ClientErrorCode, string> = {
  access_denied: 'The sign-in was cancelled.',
  authorization_failed: 'The provider could not complete the sign-in.',
  transaction_missing: 'The sign-in was started in another browser or cookies are blocked.',
  state_mismatch: 'The sign-in response does not belong to this browser.',
  transaction_unknown: 'This sign-in link was already used or is unknown.',
  transaction_expired: 'The sign-in took too long. Please try again.',
  provider_unreachable: 'The sign-in provider could not be reached.',
  provider_rejected: 'The sign-in provider refused the request.',
  invalid_response: 'The sign-in provider sent an invalid response.',
  provider_misconfigured: 'The sign-in provider is not configured correctly.',
  unknown_provider: 'Unknown sign-in provider.',
  not_authenticated: 'You are not signed in.',
  reauthentication_required: 'Please sign in again.',
  resource_mismatch: 'The server describes itself as another server.',
  untrusted_authorization_server: 'The server asks for an authorization server this app does not trust.',
  authorization_required: 'Please authorize this app.',
}

export interface ClientErrorOptions {
  /** Operator-only detail: logged, never shown. */
  detail?: string
  /** The OAuth `error` value the provider sent, when there was one (RFC 6749 §4.1.2.1, §5.2). */
  providerError?: string
  cause?: unknown
}

/** A relying-party failure with a stable `code`, a description safe to render and operator-only detail. */
export class ClientError extends Error {
  readonly code: ClientErrorCode
  /** Safe to render (fixed text per code; never provider-supplied). */
  readonly description: string
  readonly detail: string | undefined
  readonly providerError: string | undefined

  constructor(code: ClientErrorCode, options: ClientErrorOptions = {}) {
    super(options.detail ? `${code}: ${options.detail}` : code, { cause: options.cause })
    this.name = 'ClientError'
    this.code = code
    this.description = DESCRIPTIONS[code]
    this.detail = options.detail
    // RFC 6749 §4.1.2.1: `error` is limited to %x20-21 / %x23-5B / %x5D-7E; anything else is not a code.
    this.providerError = options.providerError !== undefined && /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(options.providerError) ? options.providerError : undefined
  }
}

/**
 * The session needs a new interactive login (no refresh token, or the provider answered `invalid_grant`).
 * Apps typically catch it and redirect to their login route.
 */
export class ReauthenticationRequired extends ClientError {
  constructor(options: ClientErrorOptions = {}) {
    super('reauthentication_required', options)
    this.name = 'ReauthenticationRequired'
  }
}

/**
 * An MCP request needs the user's authorization and no `authorize` callback was configured: send the user
 * to `authorizationUrl`, then pass the callback URL to `completeAuthorization`.
 */
export class AuthorizationRequired extends ClientError {
  readonly authorizationUrl: URL
  constructor(authorizationUrl: URL) {
    super('authorization_required')
    this.name = 'AuthorizationRequired'
    this.authorizationUrl = authorizationUrl
  }
}

/** Whether `value` is a `ClientError`, narrowing it for a `switch (error.code)`. */
export function isClientError(value: unknown): value is ClientError {
  return value instanceof ClientError
}

/** Thrown synchronously by `createOAuth`/`register` for invalid configuration; the message names the field. */
export class ClientConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ClientConfigError'
  }
}
