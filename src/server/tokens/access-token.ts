import { OAuthError } from '../../errors.js'
import { randomToken, sha256 } from '../../crypto/random.js'
import { signJwt } from '../../jwt/sign.js'
import { looksLikeCompactJws } from '../../jwt/shape.js'
import type { KeyResolver } from '../../jwt/verify.js'
import { formatScope } from '../../protocol/rfc6749/scope.js'
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from '../../protocol/rfc9068/access-token-claims.js'
import { verifyAccessTokenJwt } from '../../protocol/rfc9068/verify-access-token.js'
import type { AccessTokenRecord, ClientRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import type { VerifiedAccessToken } from './verifications.js'
import { findClient } from '../find-client.js'
import { bindOpaqueToken, opaqueTokenJkt } from '../dpop/records.js'
import { grantAssurance } from '../mfa/grant-assurance.js'
import type { ActorClaim } from '../../protocol/rfc8693/actor-claim.js'
import type { RecordKind } from '../../storage/types.js'

/** A client whose metadata document can no longer be used has no valid tokens either. */
function unusableClient(error: unknown): undefined {
  if (error instanceof OAuthError) return undefined
  throw error
}

export interface AccessTokenInput {
  /** Resource owner, or the client itself for client credentials (RFC 9068 §2.2). */
  subject: string
  clientId: string
  scopes: readonly string[]
  audience: string[]
  /** Grant the token belongs to; revoking the grant makes the token inactive. */
  grantId?: string | undefined
  authTime?: number | undefined
  /** RFC 9449 §6: bind the token to this DPoP key thumbprint. */
  dpopJkt?: string | undefined
  /** RFC 9470 §5 (RFC 9068 §2.2.1): the authentication context class of the grant's authentication. */
  acr?: string | undefined
  /** RFC 8693 §4.1: who acts for the subject (token exchange with an actor token), the chain nested. */
  act?: ActorClaim | undefined
  /** The token expires at this time if that is sooner than its usual lifetime (an exchanged token never outlives its subject token). */
  notAfter?: number | undefined
  /** A JWT whatever `accessTokenFormat` says (RFC 8693 `requested_token_type` jwt). */
  format?: 'jwt' | undefined
}

/**
 * RFC 8693 §4.1: the `act` of an opaque token, beside its record (a record kind, no new column), keyed by
 * the token's hash. Only exchanged tokens have one, and their `jti` says so (`ACTOR_JTI_SUFFIX`, never a dot: `grantIdOf` reads up to the first), so the
 * lookup of every other opaque token pays nothing for it.
 */
export const OPAQUE_TOKEN_ACTOR: RecordKind<{ act: ActorClaim }> = { name: 'token-actor' }
const ACTOR_JTI_SUFFIX = '~act'

export interface IssuedAccessToken {
  token: string
  expiresIn: number
  /** The token's claims; for an opaque token what introspection will report for it. */
  claims: AccessTokenClaims
  /** Set for an opaque token: its record is already saved, and `discardAccessToken` deletes it. */
  tokenHash?: string | undefined
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

/** The RFC 9068 §2.2 claim set, shared by both formats so introspection answers alike for them. */
function claimsOf(issuer: string, token: Omit<AccessTokenRecord, 'token_hash' | 'user_id'>): AccessTokenClaims {
  const [only] = token.audience
  return {
    iss: issuer,
    sub: token.subject,
    aud: token.audience.length === 1 && only !== undefined ? only : token.audience,
    client_id: token.client_id,
    scope: formatScope(token.scopes),
    jti: token.jti,
    iat: token.created_at,
    exp: token.expires_at,
    ...(token.auth_time !== null ? { auth_time: token.auth_time } : {}),
  }
}

/** RFC 9470 §5: `acr` next to `auth_time`, so a resource server can ask for more (step-up). */
function withAcr(claims: AccessTokenClaims, acr: string | undefined): AccessTokenClaims {
  return acr === undefined ? claims : { ...claims, acr }
}

/** RFC 8693 §4.1: the actor chain of an exchanged token. */
function withActor(claims: AccessTokenClaims, act: ActorClaim | undefined): AccessTokenClaims {
  return act === undefined ? claims : { ...claims, act }
}

/** RFC 9449 §6.1: `cnf.jkt` names the key a DPoP-bound token must be presented with. */
function withBinding(claims: AccessTokenClaims, jkt: string | undefined): AccessTokenClaims {
  return jkt === undefined ? claims : { ...claims, cnf: { jkt } }
}

/**
 * An access token in the configured format (`accessTokenFormat`), with the lifetime of
 * `lifetimes.accessToken` either way:
 * - `jwt`: an RFC 9068 JWT, `typ: at+jwt`, with `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`, `jti`
 *   and `scope`; nothing is stored.
 * - `opaque`: 256 random bits (RFC 6749 §1.4 leaves the format to the server; §10.10 asks for at most
 *   2^-128 guessing odds), saved before it is returned and only as its SHA-256, so a database leak yields
 *   no usable token (RFC 6749 §10.3: access tokens kept confidential in storage; RFC 6819 §5.1.4.1.3).
 *   A caller whose later step fails calls `discardAccessToken`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-1.4
 */
export async function issueAccessToken(ctx: ServerContext, input: AccessTokenInput): Promise<IssuedAccessToken> {
  const now = ctx.config.now()
  const expiresIn = Math.max(0, Math.min(ctx.config.lifetimes.accessToken, (input.notAfter ?? Infinity) - now))
  const fields = {
    jti: input.act === undefined ? newJti(input.grantId) : `${newJti(input.grantId)}${ACTOR_JTI_SUFFIX}`,
    grant_id: input.grantId ?? null,
    client_id: input.clientId,
    subject: input.subject,
    scopes: [...input.scopes],
    audience: [...input.audience],
    auth_time: input.authTime ?? null,
    created_at: now,
    expires_at: now + expiresIn,
  }
  const claims = withBinding(withActor(withAcr(claimsOf(ctx.config.issuer, fields), input.acr), input.act), input.dpopJkt)
  if (ctx.config.accessTokenFormat === 'opaque' && input.format !== 'jwt') {
    const token = randomToken(32)
    const tokenHash = sha256(token)
    // Written before the token record, so the token is never found without its actor.
    if (input.act !== undefined) {
      await ctx.config.store.records.put(OPAQUE_TOKEN_ACTOR, { key: tokenHash, value: { act: input.act }, expiresAt: fields.expires_at, subject: input.grantId !== undefined ? input.subject : null, clientId: input.clientId })
    }
    // RFC 9449 §6.2: the binding is kept beside the record (a short-lived record kind, no new column); it
    // is written first, so the token is never found unbound.
    if (input.dpopJkt !== undefined) {
      await bindOpaqueToken(ctx, tokenHash, input.dpopJkt, { subject: input.grantId !== undefined ? input.subject : null, clientId: input.clientId, expiresAt: fields.expires_at })
    }
    // Only tokens of a user grant have a user: client-credentials tokens carry the client id as `sub`.
    await ctx.config.store.accessTokens.save({ ...fields, token_hash: tokenHash, user_id: input.grantId !== undefined ? input.subject : null })
    return { token, expiresIn, claims, tokenHash }
  }
  const key = await ctx.keys.signingKey(ctx.config.accessTokenSigningAlg)
  return { token: await signJwt(claims, key, ACCESS_TOKEN_TYP), expiresIn, claims }
}

/**
 * Deletes the record of an opaque token whose response will not be sent (a later step of the grant
 * failed), so no stored token outlives a failed request. Best effort: the token was never disclosed,
 * and the record expires anyway.
 */
export async function discardAccessToken(ctx: ServerContext, issued: IssuedAccessToken): Promise<void> {
  if (issued.tokenHash === undefined) return
  await ctx.config.store.accessTokens.delete(issued.tokenHash).catch((error: unknown) => {
    ctx.config.logger?.warn({ err: error }, 'could not delete an unsent opaque access token')
  })
}

export type { VerifiedAccessToken } from './verifications.js'

/**
 * RFC 9068 §4 as the resource server applies it, less the audience (step 3): introspection and userinfo
 * answer for tokens of any resource, whose servers check `aud` themselves. No clock tolerance: the
 * token was issued by this server, on this clock.
 */
async function verifySignatureAndClaims(ctx: ServerContext, token: string, keys: KeyResolver): Promise<VerifiedAccessToken> {
  const { claims, scopes } = await verifyAccessTokenJwt(token, {
    keys,
    algorithms: [ctx.config.accessTokenSigningAlg],
    issuer: ctx.config.issuer,
    clockTolerance: 0,
    now: ctx.config.now(),
  })
  return { claims: Object.freeze(claims), scopes: Object.freeze(scopes) }
}

/** An opaque token: its record, found by hash, if not expired and its grant not revoked. */
async function lookUpOpaque(ctx: ServerContext, tokenHash: string): Promise<VerifiedAccessToken> {
  const now = ctx.config.now()
  const [record, jkt] = await Promise.all([ctx.config.store.accessTokens.find(tokenHash, now), opaqueTokenJkt(ctx, tokenHash, now)])
  if (!record) throw new OAuthError('invalid_token', 'The access token is invalid or expired')
  // The record predates `acr`: its grant's authentication says it (src/server/mfa/grant-assurance.ts).
  const [assurance, actor] = await Promise.all([
    record.grant_id === null ? undefined : grantAssurance(ctx, record.grant_id),
    record.jti.endsWith(ACTOR_JTI_SUFFIX) ? ctx.config.store.records.get(OPAQUE_TOKEN_ACTOR, tokenHash, now) : undefined,
  ])
  // An exchanged token whose actor is gone would pass for the subject's own: it is no longer valid.
  if (record.jti.endsWith(ACTOR_JTI_SUFFIX) && !actor) throw new OAuthError('invalid_token', 'The access token is invalid or expired')
  return {
    claims: Object.freeze(withBinding(withActor(withAcr(claimsOf(ctx.config.issuer, record), assurance?.acr), actor?.value.act), jkt)),
    scopes: Object.freeze(record.scopes),
    opaqueHash: tokenHash,
  }
}

/**
 * Verifies an access token this server issued, in either format whatever `accessTokenFormat` says now
 * (a switch does not end the tokens issued before it), and checks it was not revoked, alone or with its
 * grant. A JWT's signature and claims, once checked, are not checked again until its `exp` (a bounded
 * cache, see `VerificationCache`); an opaque token is looked up by hash on every call. The revocation
 * lookups run on every call for both, so a revocation takes effect at once. Throws `invalid_token`.
 * `tokenHash` is the token's SHA-256 when the caller has it already (token lookups try refresh tokens first);
 * `caller` is a client this request already read from the store (the one introspecting), which need not
 * be read again when the token is its own.
 */
export async function verifyOwnAccessToken(ctx: ServerContext, token: string, tokenHash?: string, caller?: ClientRecord): Promise<VerifiedAccessToken> {
  let verified: VerifiedAccessToken | undefined
  if (looksLikeCompactJws(token)) {
    const keys = await ctx.keys.resolver()
    const cache = ctx.verifications.for(keys)
    verified = cache.get(token)
    if (!verified) {
      verified = await verifySignatureAndClaims(ctx, token, keys)
      cache.set(token, verified, verified.claims.exp)
    }
  } else {
    verified = await lookUpOpaque(ctx, tokenHash ?? sha256(token))
  }
  const now = ctx.config.now()
  const { jti } = verified.claims
  const grantId = grantIdOf(jti)
  const [revoked, grantRevoked, client, user] = await Promise.all([
    ctx.config.store.revokedTokens.has(jti, now),
    grantId ? ctx.config.store.grants.isRevoked(grantId, now) : Promise.resolve(false),
    // Deleting (or disabling) a client or deleting (or disabling) a user ends their access tokens at once, not at `exp` (catalogue ST-05). Only
    // tokens of a user's grant have a user: client-credentials tokens carry the client id as `sub`.
    caller?.client_id === verified.claims.client_id ? caller : findClient(ctx, verified.claims.client_id).catch(unusableClient),
    grantId ? ctx.config.store.users.get(verified.claims.sub) : Promise.resolve(true),
  ])
  const userGone = user === undefined || (typeof user === 'object' && user.disabled)
  if (revoked || grantRevoked || !client || client.disabled || userGone) throw new OAuthError('invalid_token', 'The access token has been revoked')
  return verified
}
