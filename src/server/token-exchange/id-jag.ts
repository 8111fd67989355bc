import { randomToken } from '../../crypto/random.js'
import { OAuthError } from '../../errors.js'
import { signJwt } from '../../jwt/sign.js'
import { formatScope, isSubset } from '../../protocol/rfc6749/scope.js'
import { ID_JAG_TYPE } from '../../protocol/rfc7523/authorization-grant.js'
import type { TokenExchangeRequest } from '../../protocol/rfc8693/token-exchange-request.js'
import type { ServerContext } from '../context.js'
import type { TokenExchangePolicy } from './policy.js'
import type { ExchangedToken } from './subject-token.js'

/** An issued Identity Assertion JWT Authorization Grant. */
export interface IssuedIdJag {
  readonly token: string
  readonly jti: string
  readonly audience: string
  readonly scopes: readonly string[]
  readonly expiresIn: number
}

/**
 * An Identity Assertion JWT Authorization Grant (draft-ietf-oauth-identity-assertion-authz-grant, "Token
 * Exchange" and "Issued Identity Assertion JWT Authorization Grant"): `typ` `oauth-id-jag+jwt`, `iss` this
 * server, `sub` the user, `aud` the resource authorization server the request names in `audience` (one of
 * the client's policy `id_jag` targets, else `invalid_target`), `client_id` the client's id at that server
 * (from the policy: "Cross-Domain Client ID Handling"), `jti`, `iat`, `exp` within `lifetimeSeconds` and the
 * subject token's own `exp`, `resource` and `scope` within the target's lists, and how the user
 * authenticated (`auth_time`, `acr`, `amr`) for the resource server's step-up decisions.
 */
export async function issueIdJag(ctx: ServerContext, policy: TokenExchangePolicy, subject: ExchangedToken, request: TokenExchangeRequest, lifetimeSeconds: number): Promise<IssuedIdJag> {
  // ID-JAG: `audience` is REQUIRED (the issuer URL of the resource authorization server), and names one.
  const [audience, ...others] = request.audiences
  if (audience === undefined) throw new OAuthError('invalid_request', 'audience (the resource authorization server\'s issuer) is required for an ID-JAG')
  if (others.length > 0) throw new OAuthError('invalid_target', 'An ID-JAG is for one authorization server')
  const target = policy.id_jag?.find((entry) => entry.audience === audience)
  if (!target) throw new OAuthError('invalid_target', 'The client may not get ID-JAGs for this audience', { detail: audience })
  const stray = request.resources.find((resource) => target.resources !== undefined && !target.resources.includes(resource))
  if (stray !== undefined) throw new OAuthError('invalid_target', 'The requested resource is not allowed for this audience', { detail: stray })
  const allowed = target.scopes ?? []
  if (!isSubset(request.scopes, allowed)) throw new OAuthError('invalid_scope', 'The requested scope is not allowed for this audience')
  const scopes = request.scopes.length > 0 ? [...request.scopes] : [...allowed]
  if (subject.userId === undefined) throw new OAuthError('invalid_grant', 'The subject_token is not valid', { detail: 'an ID-JAG asserts a user' })
  const now = ctx.config.now()
  const exp = Math.min(now + lifetimeSeconds, subject.exp)
  const jti = randomToken(16)
  const [onlyResource] = request.resources
  const claims = {
    iss: ctx.config.issuer,
    sub: subject.userId,
    aud: audience,
    client_id: target.client_id,
    jti,
    iat: now,
    exp,
    ...(request.resources.length === 1 && onlyResource !== undefined ? { resource: onlyResource } : request.resources.length > 1 ? { resource: [...request.resources] } : {}),
    ...(scopes.length > 0 ? { scope: formatScope(scopes) } : {}),
    ...(subject.authTime !== undefined ? { auth_time: subject.authTime } : {}),
    ...(subject.acr !== undefined ? { acr: subject.acr } : {}),
    ...(subject.amr !== undefined && subject.amr.length > 0 ? { amr: [...subject.amr] } : {}),
    // ID-JAG "Implementation notes": the e-mail address beside the opaque `sub`, when the ID token carried a verified one.
    ...(subject.email !== undefined ? { email: subject.email } : {}),
  }
  const key = await ctx.keys.signingKey(ctx.config.accessTokenSigningAlg)
  return { token: await signJwt(claims, key, ID_JAG_TYPE), jti, audience, scopes, expiresIn: Math.max(0, exp - now) }
}
