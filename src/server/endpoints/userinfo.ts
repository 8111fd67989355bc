import { OAuthError } from '../../errors.js'
import { formParameters, hasFormBody } from '../../http/form.js'
import { emptyResponse, jsonResponse, methodNotAllowed } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { claimsForScopes } from '../../protocol/oidc/claims.js'
import { extractBearerToken, isBearerTokenSyntax } from '../../protocol/rfc6750/bearer.js'
import { dpopChallenge } from '../../protocol/rfc9449/challenge.js'
import { dpopProofFrom, validateDpopProof } from '../../protocol/rfc9449/proof.js'
import { markProofUsed } from '../dpop/records.js'
import type { VerifiedAccessToken } from '../tokens/verifications.js'
import { bearerChallenge } from '../../protocol/rfc6750/challenge.js'
import type { ServerContext } from '../context.js'
import { verifyOwnAccessToken } from '../tokens/access-token.js'

/**
 * A bearer-protected response: errors carry the RFC 6750 §3 challenge, beside it the RFC 9449 §7.1 DPoP
 * challenge, which carries the error instead when the request used the DPoP scheme (`dpopScheme`).
 */
export function bearerError(ctx: ServerContext, error: OAuthError | undefined, scope?: string, dpopScheme = false): OAuthResponse {
  const bearer = bearerChallenge({ realm: ctx.config.issuer, ...(error && !dpopScheme ? { error } : {}), ...(scope ? { scope } : {}) })
  const dpop = dpopChallenge({ algs: ctx.config.dpop.algorithms, realm: ctx.config.issuer, ...(error && dpopScheme ? { error } : {}) })
  const challenge = `${bearer}, ${dpop}`
  // RFC 6750 §3.1: a request without any token gets the challenge and no error code.
  if (!error) return emptyResponse(401, { 'WWW-Authenticate': challenge })
  const status = dpopScheme && error.status === 400 && error.error !== 'invalid_request' ? 401 : error.status
  return jsonResponse(status, error.toJSON(), { 'WWW-Authenticate': challenge })
}

/** The token of a request under the DPoP scheme (RFC 9449 §7.1), or undefined for any other scheme. */
function dpopToken(authorization: string | null): string | undefined {
  if (authorization === null || !/^dpop /i.test(authorization)) return undefined
  const token = authorization.slice(5).trim()
  if (!isBearerTokenSyntax(token)) throw new OAuthError('invalid_token', 'Malformed access token')
  return token
}

/** RFC 9449 §7: the proof of a DPoP request to this endpoint, made with the key the token is bound to. */
async function checkProof(ctx: ServerContext, request: OAuthRequest, token: string, verified: VerifiedAccessToken): Promise<void> {
  const proof = dpopProofFrom(request.headers.get('dpop'))
  if (proof === undefined) throw new OAuthError('invalid_dpop_proof', 'A DPoP proof is required with the DPoP scheme')
  const validated = await validateDpopProof(proof, { method: request.method, url: ctx.urls.userinfo, algorithms: ctx.config.dpop.algorithms, now: ctx.config.now(), accessToken: token })
  const jkt = verified.claims.cnf?.jkt
  if (jkt === undefined) throw new OAuthError('invalid_token', 'The access token is not DPoP-bound')
  if (jkt !== validated.jkt) throw new OAuthError('invalid_dpop_proof', 'The DPoP proof is not made with the key the token is bound to')
  if (!(await markProofUsed(ctx, validated))) throw new OAuthError('invalid_dpop_proof', 'The DPoP proof was already used')
}

/**
 * The UserInfo endpoint (OIDC Core §5.3): GET or POST, token in the Authorization header or the form body
 * (RFC 6750 §2.1–2.2), claims limited to the scopes granted with the token.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
export async function userinfoEndpoint(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  if (request.method !== 'GET' && request.method !== 'POST') return methodNotAllowed(['GET', 'POST'])
  let dpopScheme = false
  try {
    const formToken = request.method === 'POST' && hasFormBody(request) ? formParameters(request).get('access_token') : undefined
    const authorization = request.headers.get('authorization')
    const boundToken = dpopToken(authorization)
    dpopScheme = boundToken !== undefined
    if (dpopScheme && (formToken !== undefined || request.url.searchParams.has('access_token'))) throw new OAuthError('invalid_request', 'Use exactly one method to send the access token')
    const token = boundToken ?? extractBearerToken({ authorization, formToken, queryToken: request.url.searchParams.has('access_token') })
    if (token === undefined) return bearerError(ctx, undefined)
    const verified = await verifyOwnAccessToken(ctx, token)
    if (boundToken !== undefined) await checkProof(ctx, request, token, verified)
    // RFC 9449 §7.2: a DPoP-bound token is never accepted as a bearer token.
    else if (verified.claims.cnf?.jkt !== undefined) throw new OAuthError('invalid_token', 'The access token is DPoP-bound: present it with the DPoP scheme and a proof')
    if (!verified.scopes.includes('openid')) throw new OAuthError('insufficient_scope', 'The token was not granted the openid scope')
    const user = await ctx.config.store.users.get(verified.claims.sub)
    if (!user) throw new OAuthError('invalid_token', 'The access token is invalid or expired')
    return jsonResponse(200, claimsForScopes(user, verified.scopes))
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    return bearerError(ctx, error, error.error === 'insufficient_scope' ? 'openid' : undefined, dpopScheme)
  }
}
