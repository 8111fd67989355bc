import { OAuthError } from '../errors.js'
import { sha256 } from '../crypto/random.js'
import type { ClientRecord, RefreshTokenRecord } from '../storage/types.js'
import { looksLikeCompactJws } from '../jwt/shape.js'
import type { ServerContext } from './context.js'
import { verifyOwnAccessToken, type VerifiedAccessToken } from './tokens/access-token.js'

export type FoundToken =
  | { type: 'refresh_token'; record: RefreshTokenRecord; hash: string }
  | { type: 'access_token'; verified: VerifiedAccessToken }

/**
 * Finds a token this server issued, of either kind, if it is still active. The `token_type_hint` is
 * only a hint (RFC 7009 §2.1, RFC 7662 §2.1): both kinds are always tried. `caller`: the client that
 * authenticated this request, if any (see `verifyOwnAccessToken`).
 */
export async function findActiveToken(ctx: ServerContext, token: string, caller?: ClientRecord): Promise<FoundToken | undefined> {
  if (token.length > 8192) return undefined
  // Refresh tokens are random base64url and never contain a dot: a JWT-shaped token is not one, and
  // neither its hash nor a refresh-token lookup is needed.
  let hash: string | undefined
  if (!looksLikeCompactJws(token)) {
    hash = sha256(token)
    const record = await ctx.config.store.refreshTokens.find(hash, ctx.config.now())
    if (record) return record.consumed_at === null ? { type: 'refresh_token', record, hash } : undefined
  }
  // Not a refresh token: a JWT or an opaque access token, in either format whatever is configured now.
  try {
    return { type: 'access_token', verified: await verifyOwnAccessToken(ctx, token, hash, caller) }
  } catch (error) {
    if (error instanceof OAuthError) return undefined
    throw error
  }
}

export function clientOf(found: FoundToken): string {
  return found.type === 'refresh_token' ? found.record.client_id : found.verified.claims.client_id
}
