import { randomToken, sha256 } from '../crypto/random.js'
import { redirectResponse } from '../http/response.js'
import type { OAuthResponse } from '../http/types.js'
import { OAuthError } from '../errors.js'
import type { AuthorizationRequest } from '../protocol/rfc6749/authorization-request.js'
import { withQueryParameters } from '../protocol/rfc6749/redirect-uri.js'
import type { ServerContext } from './context.js'
import { authorizationCodeLifetime } from './fapi2/client-profile.js'
import { authenticationMeetsRequest } from './mfa/policy.js'
import { sessionServed } from './session-events.js'

export interface Authentication {
  userId: string
  authTime: number
  sessionId: string | null
  /** RFC 8176 methods and OIDC `acr` of the authentication (the login session's). */
  amr?: string[] | undefined
  acr?: string | undefined
}

/**
 * Issues a code for a completed authorization and redirects to the client: `code`, `state` and, per
 * RFC 9207 §2, `iss` so the client can detect mix-up attacks. The code is 256 random bits and only its
 * hash is stored.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export async function issueCodeRedirect(ctx: ServerContext, request: AuthorizationRequest, auth: Authentication, cookies: (string | undefined)[] = []): Promise<OAuthResponse> {
  // No path issues a code below the MFA policy or an essential `acr` (catalogue MF-08, MF-09).
  if (!(await authenticationMeetsRequest(ctx, request.client_id, auth.userId, request, auth))) {
    return errorRedirect(ctx, request.redirect_uri, request.state, new OAuthError('access_denied', 'The sign-in did not use the second factor this application requires'), cookies)
  }
  const code = randomToken(32)
  const now = ctx.config.now()
  await ctx.config.store.codes.save({
    code_hash: sha256(code),
    client_id: request.client_id,
    user_id: auth.userId,
    redirect_uri: request.redirect_uri,
    scopes: request.scopes,
    resources: request.resources,
    nonce: request.nonce ?? null,
    code_challenge: request.code_challenge,
    code_challenge_method: 'S256',
    auth_time: auth.authTime,
    session_id: auth.sessionId,
    grant_id: randomToken(16),
    expires_at: now + (await authorizationCodeLifetime(ctx, request.client_id)),
    consumed_at: null,
    ...(request.dpop_jkt !== undefined ? { dpop_jkt: request.dpop_jkt } : {}),
    ...(auth.amr?.length ? { amr: auth.amr } : {}),
    ...(auth.acr !== undefined ? { acr: auth.acr } : {}),
  })
  if (auth.sessionId) await sessionServed(ctx, { sid: auth.sessionId, userId: auth.userId }, request.client_id)
  const location = withQueryParameters(request.redirect_uri, { code, state: request.state, iss: ctx.config.issuer })
  return withCookies(redirectResponse(location), cookies)
}

/** RFC 6749 §4.1.2.1 error redirect, with `state` and RFC 9207 `iss`, and never a `code`. */
export function errorRedirect(ctx: ServerContext, redirectUri: string, state: string | undefined, error: OAuthError, cookies: (string | undefined)[] = []): OAuthResponse {
  const location = withQueryParameters(redirectUri, {
    error: error.error,
    error_description: error.description,
    state,
    iss: ctx.config.issuer,
  })
  return withCookies(redirectResponse(location), cookies)
}

export function withCookies(response: OAuthResponse, cookies: (string | undefined)[]): OAuthResponse {
  for (const cookie of cookies) if (cookie) response.headers.append('Set-Cookie', cookie)
  return response
}
