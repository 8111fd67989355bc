import { publicJsonResponse } from '../../http/response.js'
import type { OAuthResponse } from '../../http/types.js'
import type { ServerContext } from '../context.js'

/**
 * Public signing keys (RFC 7517 §5). Short cache lifetime so clients see a rotation quickly; retired keys
 * stay listed until the tokens they signed expire.
 */
export async function jwksEndpoint(ctx: ServerContext): Promise<OAuthResponse> {
  return publicJsonResponse(await ctx.keys.jwks(), 60)
}
