import { signJwt } from '../../jwt/sign.js'
import { claimsForScopes } from '../../protocol/oidc/claims.js'
import { leftHalfHash } from '../../protocol/oidc/token-hash.js'
import type { ClientRecord, UserRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'

export interface IdTokenInput {
  user: UserRecord
  client: ClientRecord
  scopes: readonly string[]
  authTime: number
  nonce?: string | null | undefined
  sessionId?: string | null | undefined
  accessToken: string
  /** OIDC Core §2 `amr` (RFC 8176 values), when the login's methods are known. */
  amr?: readonly string[] | undefined
  /** OIDC Core §2 `acr`: the level the authentication reached, never more (catalogue MF-09). */
  acr?: string | undefined
}

/**
 * An OpenID Connect ID token (OIDC Core §2, §3.1.3.6): `iss`, `sub`, `aud`, `exp`, `iat`, `auth_time`,
 * `nonce` when the request had one, `azp`, `sid`, `at_hash`, and — as Google does, so that apps can read
 * the user's name straight from the token — the claims of the granted `profile`/`email` scopes.
 * Signed with the client's registered `id_token_signed_response_alg` (RS256 by default).
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
export async function issueIdToken(ctx: ServerContext, input: IdTokenInput): Promise<string> {
  const now = ctx.config.now()
  const alg = input.client.id_token_signed_response_alg
  const key = await ctx.keys.signingKey(alg)
  const claims = {
    ...claimsForScopes(input.user, input.scopes),
    iss: ctx.config.issuer,
    aud: input.client.client_id,
    azp: input.client.client_id,
    iat: now,
    exp: now + ctx.config.lifetimes.idToken,
    auth_time: input.authTime,
    ...(input.acr !== undefined ? { acr: input.acr } : {}),
    ...(input.amr?.length ? { amr: [...input.amr] } : {}),
    ...(input.nonce ? { nonce: input.nonce } : {}),
    ...(input.sessionId ? { sid: input.sessionId } : {}),
    at_hash: leftHalfHash(input.accessToken, alg),
  }
  return signJwt(claims, key, 'JWT')
}
