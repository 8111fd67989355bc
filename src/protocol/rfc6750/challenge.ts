import type { OAuthError } from '../../errors.js'

export interface ChallengeOptions {
  realm?: string
  /** Omitted when the request carried no token at all (RFC 6750 §3.1). */
  error?: OAuthError
  /** Scopes needed, for `insufficient_scope`. */
  scope?: string
  /** RFC 9728 §5.1 `resource_metadata`. */
  resourceMetadata?: string
  /** RFC 9470 §3: the `acr` values and the authentication age the resource needs (step-up). */
  acrValues?: string
  maxAge?: number
}

/** An auth-param value as a quoted-string (RFC 9110 §5.6.4). */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

/**
 * The parameters RFC 6750 §3 defines, which RFC 9449 §7.1 reuses for its `DPoP` challenge: `realm`,
 * `error` with `error_description`, `scope`, in that order.
 */
export function challengeParameters(options: { realm?: string | undefined; error?: OAuthError | undefined; scope?: string | undefined; acrValues?: string | undefined; maxAge?: number | undefined }): string[] {
  const params: string[] = []
  if (options.realm !== undefined) params.push(`realm=${quote(options.realm)}`)
  if (options.error) {
    params.push(`error=${quote(options.error.error)}`)
    if (options.error.description) params.push(`error_description=${quote(options.error.description)}`)
  }
  if (options.scope !== undefined) params.push(`scope=${quote(options.scope)}`)
  // RFC 9470 §3: beside `insufficient_user_authentication`, what a new authorization request should ask for.
  if (options.acrValues !== undefined) params.push(`acr_values=${quote(options.acrValues)}`)
  if (options.maxAge !== undefined) params.push(`max_age=${quote(String(options.maxAge))}`)
  return params
}

/**
 * The `WWW-Authenticate: Bearer …` value of RFC 6750 §3.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function bearerChallenge(options: ChallengeOptions): string {
  const params = challengeParameters(options)
  if (options.resourceMetadata !== undefined) params.push(`resource_metadata=${quote(options.resourceMetadata)}`)
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`
}
