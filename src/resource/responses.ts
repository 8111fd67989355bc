import { OAuthError } from '../errors.js'
import { emptyResponse, jsonResponse } from '../http/response.js'
import type { OAuthResponse } from '../http/types.js'
import { bearerChallenge } from '../protocol/rfc6750/challenge.js'
import { dpopChallenge } from '../protocol/rfc9449/challenge.js'

export interface ChallengeContext {
  realm: string
  /** RFC 9728 §5.1: where the client finds this resource's metadata, hence its authorization server. */
  resourceMetadataUrl: string | undefined
  /** The scopes the route needs (space-separated), announced on 401 so a client can ask for them. */
  scope?: string | undefined
  /** Set when the API accepts DPoP: a `DPoP algs="…"` challenge goes beside the Bearer one (RFC 9449 §7.1). */
  dpopAlgs?: readonly string[] | undefined
  /** RFC 9470 §3: what the route needs of the user's authentication, told with `insufficient_user_authentication`. */
  acrValues?: string | undefined
  maxAge?: number | undefined
}

/** How a refusal of a DPoP request is told (RFC 9449 §7.1, §9). */
export interface DpopRefusal {
  /** The error belongs in the DPoP challenge (the request used that scheme), not in the Bearer one. */
  scheme: 'dpop'
  /** A fresh nonce for `use_dpop_nonce` (the `DPoP-Nonce` header). */
  nonce?: string | undefined
}

/**
 * The answer to a request that may not pass: RFC 6750 §3 `WWW-Authenticate: Bearer` challenge, with no
 * error code when no token was sent at all (§3.1), `invalid_request` 400, `invalid_token` 401,
 * `insufficient_scope` 403 with the needed `scope`. A 401 names the route's scopes too (RFC 6750 §3
 * allows `scope` on any challenge), so a client without a token knows what to ask for; every challenge
 * names the metadata (RFC 9728 §5.1). Failures on this side (the authorization server unreachable) are
 * not challenges: 503 or 500 without `WWW-Authenticate`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function bearerErrorResponse(context: ChallengeContext, error: OAuthError | undefined, scope?: string, dpop?: DpopRefusal): OAuthResponse {
  if (error && error.status >= 500) return jsonResponse(error.status, error.toJSON())
  // 400 `invalid_request` is about the request's form, not about what the token grants: no scope there.
  scope ??= !error || error.status === 401 ? context.scope : undefined
  const dpopError = dpop !== undefined && context.dpopAlgs !== undefined
  const stepUp = error?.error === 'insufficient_user_authentication'
    ? { ...(context.acrValues !== undefined ? { acrValues: context.acrValues } : {}), ...(context.maxAge !== undefined ? { maxAge: context.maxAge } : {}) }
    : {}
  let challenge = bearerChallenge({
    realm: context.realm,
    ...(error && !dpopError ? { error, ...stepUp } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(context.resourceMetadataUrl !== undefined ? { resourceMetadata: context.resourceMetadataUrl } : {}),
  })
  if (context.dpopAlgs !== undefined) {
    challenge += `, ${dpopChallenge({ algs: context.dpopAlgs, realm: context.realm, ...(error && dpopError ? { error, ...stepUp } : {}), ...(scope !== undefined ? { scope } : {}) })}`
  }
  const headers: Record<string, string> = { 'WWW-Authenticate': challenge }
  if (dpop?.nonce !== undefined) headers['DPoP-Nonce'] = dpop.nonce
  if (!error) return emptyResponse(401, headers)
  return jsonResponse(error.status, error.toJSON(), headers)
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
