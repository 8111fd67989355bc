import { OAuthError } from '../../errors.js'
import { formParameters, hasFormBody } from '../../http/form.js'
import { emptyResponse, jsonResponse, methodNotAllowed } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { claimsForScopes } from '../../protocol/oidc/claims.js'
import { extractBearerToken } from '../../protocol/rfc6750/bearer.js'
import { bearerChallenge } from '../../protocol/rfc6750/challenge.js'
import type { ServerContext } from '../context.js'
import { verifyOwnAccessToken } from '../tokens/access-token.js'

/** A bearer-protected response: errors carry the RFC 6750 §3 challenge. */
export function bearerError(ctx: ServerContext, error: OAuthError | undefined, scope?: string): OAuthResponse {
  const challenge = bearerChallenge({ realm: ctx.config.issuer, ...(error ? { error } : {}), ...(scope ? { scope } : {}) })
  // RFC 6750 §3.1: a request without any token gets the challenge and no error code.
  if (!error) return emptyResponse(401, { 'WWW-Authenticate': challenge })
  return jsonResponse(error.status, error.toJSON(), { 'WWW-Authenticate': challenge })
}

/**
 * The UserInfo endpoint (OIDC Core §5.3): GET or POST, token in the Authorization header or the form body
 * (RFC 6750 §2.1–2.2), claims limited to the scopes granted with the token.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
export async function userinfoEndpoint(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  if (request.method !== 'GET' && request.method !== 'POST') return methodNotAllowed(['GET', 'POST'])
  try {
    const formToken = request.method === 'POST' && hasFormBody(request) ? formParameters(request).get('access_token') : undefined
    const token = extractBearerToken({
      authorization: request.headers.get('authorization'),
      formToken,
      queryToken: request.url.searchParams.has('access_token'),
    })
    if (token === undefined) return bearerError(ctx, undefined)
    const verified = await verifyOwnAccessToken(ctx, token)
    if (!verified.scopes.includes('openid')) throw new OAuthError('insufficient_scope', 'The token was not granted the openid scope')
    const user = await ctx.config.store.users.get(verified.claims.sub)
    if (!user) throw new OAuthError('invalid_token', 'The access token is invalid or expired')
    return jsonResponse(200, claimsForScopes(user, verified.scopes))
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    return bearerError(ctx, error, error.error === 'insufficient_scope' ? 'openid' : undefined)
  }
}
