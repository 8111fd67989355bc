import { OAuthError } from '../../errors.js'
import { randomToken } from '../../crypto/random.js'
import { signJwt } from '../../jwt/sign.js'
import { isJwtValidationError, verifyJwt, type JWTPayload, type KeyResolver } from '../../jwt/verify.js'
import { formatScope, parseScope } from '../../protocol/rfc6749/scope.js'
import { VerificationCache } from '../../resource/cache.js'
import type { ServerContext } from '../context.js'

export interface AccessTokenInput {
  /** Resource owner, or the client itself for client credentials (RFC 9068 §2.2). */
  subject: string
  clientId: string
  scopes: readonly string[]
  audience: string[]
  /** Grant the token belongs to; revoking the grant makes the token inactive. */
  grantId?: string | undefined
  authTime?: number | undefined
}

export interface IssuedAccessToken {
  token: string
  expiresIn: number
  claims: JWTPayload
}

/** `jti` = `<grant id>.<random>`: RFC 7519 §4.1.7 leaves its form to the issuer, and carrying the grant
 * lets introspection and userinfo see a revoked grant without storing every token issued. */
function newJti(grantId: string | undefined): string {
  const random = randomToken(16)
  return grantId ? `${grantId}.${random}` : random
}

export function grantIdOf(jti: string): string | undefined {
  const dot = jti.indexOf('.')
  return dot === -1 ? undefined : jti.slice(0, dot)
}

/**
 * An RFC 9068 JWT access token: `typ: at+jwt`, `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`, `jti`,
 * and `scope`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export async function issueAccessToken(ctx: ServerContext, input: AccessTokenInput): Promise<IssuedAccessToken> {
  const now = ctx.config.now()
  const expiresIn = ctx.config.lifetimes.accessToken
  const claims: JWTPayload = {
    iss: ctx.config.issuer,
    sub: input.subject,
    aud: input.audience.length === 1 ? input.audience[0] : input.audience,
    client_id: input.clientId,
    scope: formatScope(input.scopes),
    jti: newJti(input.grantId),
    iat: now,
    exp: now + expiresIn,
    ...(input.authTime !== undefined ? { auth_time: input.authTime } : {}),
  }
  const key = await ctx.keys.signingKey(ctx.config.accessTokenSigningAlg)
  return { token: await signJwt(claims, key, 'at+jwt'), expiresIn, claims }
}

/** Shared with the verification cache: read-only. */
export interface VerifiedAccessToken {
  readonly claims: Readonly<JWTPayload & { sub: string; client_id: string; jti: string; exp: number }>
  readonly scopes: readonly string[]
}

/** Bound of the verification cache: at about 1 KiB an entry, a few MiB at most. */
const MAX_CACHED_VERIFICATIONS = 10_000

/**
 * Successful signature and claim checks, per key set: a rotation or removal of keys gives the server a
 * new resolver and so an empty cache, and no verification outlives the token's `exp`. Revocation is
 * not cached (see `verifyOwnAccessToken`).
 */
const verifications = new WeakMap<KeyResolver, VerificationCache<VerifiedAccessToken>>()

function verificationsFor(ctx: ServerContext, keys: KeyResolver): VerificationCache<VerifiedAccessToken> {
  let cache = verifications.get(keys)
  if (!cache) {
    cache = new VerificationCache(MAX_CACHED_VERIFICATIONS, ctx.config.now)
    verifications.set(keys, cache)
  }
  return cache
}

async function verifySignatureAndClaims(ctx: ServerContext, token: string, keys: KeyResolver): Promise<VerifiedAccessToken> {
  let claims: JWTPayload
  try {
    claims = await verifyJwt(token, keys, {
      algorithms: [ctx.config.accessTokenSigningAlg],
      issuer: ctx.config.issuer,
      typ: 'at+jwt',
      requiredClaims: ['sub', 'client_id', 'jti', 'exp', 'iat'],
      currentDate: new Date(ctx.config.now() * 1000),
    })
  } catch (error) {
    if (isJwtValidationError(error)) throw new OAuthError('invalid_token', 'The access token is invalid or expired')
    throw error
  }
  const { sub, client_id: clientId, jti, exp } = claims
  if (typeof sub !== 'string' || typeof clientId !== 'string' || typeof jti !== 'string' || typeof exp !== 'number') {
    throw new OAuthError('invalid_token', 'The access token is invalid or expired')
  }
  return {
    claims: Object.freeze({ ...claims, sub, client_id: clientId, jti, exp }),
    scopes: Object.freeze(parseScope(typeof claims.scope === 'string' ? claims.scope : '')),
  }
}

/**
 * Verifies an access token this server issued and checks it was not revoked, alone or with its grant.
 * The signature and claims of a token seen before are not checked again until its `exp` (a bounded
 * cache, see `VerificationCache`); the revocation lookups run on every call, so a revocation takes
 * effect at once. Throws `invalid_token`.
 */
export async function verifyOwnAccessToken(ctx: ServerContext, token: string): Promise<VerifiedAccessToken> {
  const keys = await ctx.keys.resolver()
  const cache = verificationsFor(ctx, keys)
  let verified = cache.get(token)
  if (!verified) {
    verified = await verifySignatureAndClaims(ctx, token, keys)
    cache.set(token, verified, verified.claims.exp)
  }
  const now = ctx.config.now()
  const { jti } = verified.claims
  const grantId = grantIdOf(jti)
  const [revoked, grantRevoked, client, user] = await Promise.all([
    ctx.config.store.revokedTokens.has(jti, now),
    grantId ? ctx.config.store.grants.isRevoked(grantId, now) : Promise.resolve(false),
    // Deleting a client or a user ends their access tokens at once, not at `exp` (catalogue ST-05). Only
    // tokens of a user's grant have a user: client-credentials tokens carry the client id as `sub`.
    ctx.config.store.clients.get(verified.claims.client_id),
    grantId ? ctx.config.store.users.get(verified.claims.sub) : Promise.resolve(true),
  ])
  if (revoked || grantRevoked || !client || !user) throw new OAuthError('invalid_token', 'The access token has been revoked')
  return verified
}
