import { OAuthError } from '../../errors.js'
import { formParameters } from '../../http/form.js'
import { emptyResponse, methodNotAllowed } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { authenticateClientWithinLimits } from '../abuse/limited-authentication.js'
import type { ServerContext } from '../context.js'
import { clientOf, findActiveToken } from '../token-lookup.js'
import { grantIdOf } from '../tokens/access-token.js'
import { tokenError } from './token.js'

/**
 * Token revocation (RFC 7009). Revoking a refresh token revokes its whole grant, including access tokens
 * issued from it (§2.1 SHOULD); revoking an access token revokes that token (an opaque one is deleted, a
 * JWT's `jti` is remembered until its `exp`). Unknown tokens and tokens of other clients get the same
 * 200 (§2.2), so the endpoint cannot be used to probe tokens.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export async function revocationEndpoint(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  if (request.method !== 'POST') return methodNotAllowed(['POST'])
  try {
    const params = formParameters(request)
    const client = await authenticateClientWithinLimits(ctx, request, params, 'revocation')
    const token = params.require('token')
    const found = await findActiveToken(ctx, token, client)
    if (found && clientOf(found) === client.client_id) {
      if (found.type === 'refresh_token') {
        await ctx.config.store.grants.revoke(found.record.grant_id, found.record.expires_at)
      } else if (found.verified.opaqueHash !== undefined) {
        // An opaque token lives only in the store: deleting it ends it at once on every instance.
        await ctx.config.store.accessTokens.delete(found.verified.opaqueHash)
      } else {
        await ctx.config.store.revokedTokens.add(found.verified.claims.jti, found.verified.claims.exp)
      }
      void ctx.audit.record(found.type === 'refresh_token'
        ? { type: 'token.revoked', client_id: client.client_id, subject: found.record.user_id, token_type: 'refresh_token', grant_id: found.record.grant_id, jti: null }
        : { type: 'token.revoked', client_id: client.client_id, subject: found.verified.claims.sub, token_type: 'access_token', grant_id: grantIdOf(found.verified.claims.jti) ?? null, jti: found.verified.claims.jti })
    }
    return emptyResponse(200)
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    return tokenError(ctx, error)
  }
}
