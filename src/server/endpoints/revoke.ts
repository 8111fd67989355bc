import { OAuthError } from '../../errors.js'
import { formParameters } from '../../http/form.js'
import { emptyResponse, methodNotAllowed } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { authenticateClient } from '../client-authentication.js'
import type { ServerContext } from '../context.js'
import { clientOf, findActiveToken } from '../token-lookup.js'
import { tokenError } from './token.js'

/**
 * Token revocation (RFC 7009). Revoking a refresh token revokes its whole grant, including access tokens
 * issued from it (§2.1 SHOULD); revoking an access token revokes that token. Unknown tokens and tokens of
 * other clients get the same 200 (§2.2), so the endpoint cannot be used to probe tokens.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export async function revocationEndpoint(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  if (request.method !== 'POST') return methodNotAllowed(['POST'])
  try {
    const params = formParameters(request)
    const client = await authenticateClient(ctx, request.headers, params)
    const token = params.require('token')
    const found = await findActiveToken(ctx, token)
    if (found && clientOf(found) === client.client_id) {
      const now = ctx.config.now()
      if (found.type === 'refresh_token') {
        await ctx.config.store.grants.revoke(found.record.grant_id, found.record.expires_at)
      } else {
        await ctx.config.store.revokedTokens.add(found.verified.claims.jti, found.verified.claims.exp)
      }
      ctx.config.logger?.info({ event: 'token.revoked', token_type: found.type, client_id: client.client_id, at: now }, 'token revoked')
    }
    return emptyResponse(200)
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    return tokenError(ctx, error)
  }
}
