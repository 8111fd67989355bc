/** Options of `pushedAuthorizationRequests`; every one has a default. */
export interface PushedAuthorizationRequestOptions {
  /**
   * Every client must push its authorization requests (RFC 9126 §5 `require_pushed_authorization_requests`);
   * default false, when only clients registered with the flag must.
   */
  readonly required?: boolean
  /** Seconds a `request_uri` stays usable (default 60; at most 600, the FAPI 2.0 bound). */
  readonly lifetimeSeconds?: number
}

export interface ResolvedPushedAuthorizationRequestOptions {
  readonly required: boolean
  readonly lifetimeSeconds: number
}

/** Validated once, at construction; a bad value names its field. */
export function resolvePushedRequestOptions(options: PushedAuthorizationRequestOptions = {}): ResolvedPushedAuthorizationRequestOptions {
  const lifetimeSeconds = options.lifetimeSeconds ?? 60
  if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds <= 0 || lifetimeSeconds > 600) {
    throw new TypeError('pushedAuthorizationRequests: lifetimeSeconds must be an integer from 1 to 600')
  }
  return { required: options.required ?? false, lifetimeSeconds }
}
