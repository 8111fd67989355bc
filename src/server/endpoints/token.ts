import { OAuthError } from '../../errors.js'
import { formParameters } from '../../http/form.js'
import { errorResponse, methodNotAllowed } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { authenticateClientWithinLimits } from '../abuse/limited-authentication.js'
import { RateLimitedError } from '../abuse/client-limits.js'
import type { ServerContext } from '../context.js'
import { markClientUsed } from '../client-expiry.js'
import { dpopKeyOfTokenRequest } from '../dpop/token-request.js'

/**
 * The token endpoint (RFC 6749 §3.2): POST with a form body, one client authentication, then the grant
 * named by `grant_type`. Every failure is an RFC 6749 §5.2 error; `invalid_client` is a 401 with a
 * `WWW-Authenticate` challenge.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export async function tokenEndpoint(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  if (request.method !== 'POST') return methodNotAllowed(['POST'])
  try {
    const params = formParameters(request)
    // RFC 8707 §2 and RFC 8693 §2.1: `resource` and `audience` are the parameters that may be repeated.
    const repeated = params.repeated(['resource', 'audience'])
    if (repeated.length > 0) throw new OAuthError('invalid_request', `Parameter ${repeated[0]} was repeated`)
    const client = await authenticateClientWithinLimits(ctx, request, params, 'token')
    const grantType = params.get('grant_type')
    if (grantType === undefined) throw new OAuthError('invalid_request', 'Missing grant_type')
    const grant = ctx.registry.grants.get(grantType)
    if (!grant) throw new OAuthError('unsupported_grant_type', 'Unsupported grant_type')
    if (!client.grant_types.includes(grant.type)) {
      throw new OAuthError('unauthorized_client', `The client is not allowed to use ${grant.type}`)
    }
    // RFC 6749 §10.10: guessing codes and refresh tokens is slowed per client and address (catalogue RL-02).
    await ctx.clientLimits.admitGrant(client.client_id, request.remoteAddress, ctx.config.now())
    const dpopJkt = await dpopKeyOfTokenRequest(ctx, request, client)
    try {
      const response = await grant.handle(ctx, client, params, { dpopJkt })
      if (response.status === 200) await markClientUsed(ctx, client)
      return withDpopNonce(ctx, response)
    } catch (error) {
      if (error instanceof OAuthError && error.error === 'invalid_grant') await ctx.clientLimits.grantFailed(client.client_id, request.remoteAddress, ctx.config.now())
      throw error
    }
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    if (error.detail) ctx.config.logger?.info({ event: 'token.error', error: error.error, detail: error.detail }, 'token request refused')
    return withDpopNonce(ctx, tokenError(ctx, error))
  }
}

/** RFC 6749 §5.2; RFC 9110 §11.6.1 requires the challenge on every 401. */
export function tokenError(ctx: ServerContext, error: OAuthError): OAuthResponse {
  const headers: Record<string, string> = {}
  if (error.status === 401) headers['WWW-Authenticate'] = `Basic realm="${ctx.config.issuer}"`
  if (error instanceof RateLimitedError) headers['Retry-After'] = String(error.retryAfter)
  return errorResponse(error, headers)
}

/** RFC 9449 §8: with nonces on, every answer carries the current one, so a client learns each rotation. */
function withDpopNonce(ctx: ServerContext, response: OAuthResponse): OAuthResponse {
  const nonces = ctx.config.dpop.nonces
  if (nonces) response.headers.set('DPoP-Nonce', nonces.current(ctx.config.now()))
  return response
}
