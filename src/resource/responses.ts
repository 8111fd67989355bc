import { OAuthError } from '../errors.js'
import { emptyResponse, jsonResponse } from '../http/response.js'
import type { OAuthResponse } from '../http/types.js'
import { bearerChallenge } from '../protocol/rfc6750/challenge.js'

export interface ChallengeContext {
  realm: string
  resourceMetadataUrl: string | undefined
}

/**
 * The answer to a request that may not pass: RFC 6750 §3 `WWW-Authenticate: Bearer` challenge, with no
 * error code when no token was sent at all (§3.1), `invalid_request` 400, `invalid_token` 401,
 * `insufficient_scope` 403 with the needed `scope`. Failures on this side (the authorization server
 * unreachable) are not challenges: 503 or 500 without `WWW-Authenticate`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function bearerErrorResponse(context: ChallengeContext, error: OAuthError | undefined, scope?: string): OAuthResponse {
  if (error && error.status >= 500) return jsonResponse(error.status, error.toJSON())
  const challenge = bearerChallenge({
    realm: context.realm,
    ...(error ? { error } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(context.resourceMetadataUrl !== undefined ? { resourceMetadata: context.resourceMetadataUrl } : {}),
  })
  if (!error) return emptyResponse(401, { 'WWW-Authenticate': challenge })
  return jsonResponse(error.status, error.toJSON(), { 'WWW-Authenticate': challenge })
}

/**
 * Any failure as an `OAuthError`: unexpected ones become a `server_error` that reveals nothing.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function asOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error
  return new OAuthError('server_error', 'The request could not be verified', {
    detail: error instanceof Error ? error.message : String(error),
    cause: error,
  })
}
