import { OAuthError } from '../../errors.js'
import { SIGNING_ALGORITHMS } from '../../jwt/keys.js'
import { decodeUnverified, isJwtValidationError, verifyJwt, type JWTPayload } from '../../jwt/verify.js'
import { parseScope } from '../../protocol/rfc6749/scope.js'
import { grantAssertionKind } from '../../protocol/rfc7523/authorization-grant.js'
import { readActorClaim, readMayAct, type ActorClaim } from '../../protocol/rfc8693/actor-claim.js'
import type { ClientRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { keysOf, userOf } from '../jwt-bearer/grant.js'
import { grantIdOf, verifyOwnAccessToken } from '../tokens/access-token.js'
import type { ResolvedTokenExchangeOptions } from './options.js'
import type { ExchangeableSubjectType } from './policy.js'

/** What a validated subject (or actor) token says: whom it speaks for, to whom, for what, until when. */
export interface ExchangedToken {
  readonly type: ExchangeableSubjectType
  /** Its issuer: this server, or a trusted issuer for a `jwt`. */
  readonly issuer: string
  /** `sub` as the token has it. */
  readonly subject: string
  /** The local user it speaks for; undefined for a client's own token (client credentials). */
  readonly userId: string | undefined
  /** The client it was issued to (`client_id` of an access token, `aud` of an ID token), if it says. */
  readonly clientId: string | undefined
  readonly audience: readonly string[]
  /** Its scopes; undefined when the token carries none (an ID token). */
  readonly scopes: readonly string[] | undefined
  readonly exp: number
  /** The grant of a Tessera user token: an exchanged token joins it, so revoking the grant ends both. */
  readonly grantId: string | undefined
  readonly act: ActorClaim | undefined
  readonly mayAct: Readonly<Record<string, string>> | undefined
  readonly acr: string | undefined
  readonly amr: readonly string[] | undefined
  readonly authTime: number | undefined
  /** The user's verified e-mail address as the token states it (ID-JAG: lets the resource side find existing accounts). */
  readonly email?: string | undefined
}

/** RFC 6749 §5.2 (and ID-JAG's example): a subject or actor token that cannot be used is `invalid_grant`. */
export class UnusableToken extends OAuthError {
  constructor(which: 'subject_token' | 'actor_token', detail: string) {
    super('invalid_grant', `The ${which} is not valid`, { detail })
  }
}

const audiencesOf = (aud: unknown): string[] => (typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : [])
const stringClaim = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)
const numberClaim = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined)

function chainClaims(which: 'subject_token' | 'actor_token', claims: Readonly<Record<string, unknown>>): Pick<ExchangedToken, 'act' | 'mayAct'> {
  const act = readActorClaim(claims.act)
  if (typeof act === 'string') throw new UnusableToken(which, act)
  const mayAct = readMayAct(claims.may_act)
  if (typeof mayAct === 'string') throw new UnusableToken(which, mayAct)
  return { act, mayAct }
}

/**
 * An access token this server issued, checked as introspection checks it (signature or record, expiry,
 * revocation of the token, its grant, its client and its user).
 */
export async function readOwnAccessToken(ctx: ServerContext, token: string, which: 'subject_token' | 'actor_token'): Promise<ExchangedToken> {
  let verified
  try {
    verified = await verifyOwnAccessToken(ctx, token)
  } catch (error) {
    if (error instanceof OAuthError) throw new UnusableToken(which, `not an active access token of this server (${error.detail ?? error.error})`)
    throw error
  }
  const { claims, scopes } = verified
  const grantId = grantIdOf(claims.jti)
  return {
    type: 'access_token', issuer: claims.iss, subject: claims.sub, userId: grantId !== undefined ? claims.sub : undefined,
    clientId: claims.client_id, audience: audiencesOf(claims.aud), scopes, exp: claims.exp, grantId,
    ...chainClaims(which, claims), acr: stringClaim(claims.acr), amr: undefined, authTime: numberClaim(claims.auth_time),
  }
}

/** An ID token this server signed (`typ` JWT, never an access token or an ID-JAG), not expired, for a user that still exists. */
async function readOwnIdToken(ctx: ServerContext, token: string): Promise<ExchangedToken> {
  let claims: JWTPayload
  try {
    claims = await verifyJwt(token, await ctx.keys.resolver(), {
      algorithms: [...SIGNING_ALGORITHMS], issuer: ctx.config.issuer, typ: 'JWT', requiredClaims: ['sub', 'aud', 'exp', 'iat'],
      currentDate: new Date(ctx.config.now() * 1000),
    })
  } catch (error) {
    if (isJwtValidationError(error)) throw new UnusableToken('subject_token', `not a valid ID token of this server (${error instanceof Error ? error.message : 'invalid'})`)
    throw error
  }
  const subject = String(claims.sub)
  const user = await ctx.config.store.users.get(subject)
  if (!user || user.disabled) throw new UnusableToken('subject_token', user ? 'the user is disabled' : 'the user is gone')
  const audience = audiencesOf(claims.aud)
  // OIDC Core §2: with several audiences `azp` names the client the token was issued to.
  const clientId = audience.length === 1 ? audience[0] : stringClaim(claims.azp)
  return {
    type: 'id_token', issuer: ctx.config.issuer, subject, userId: subject, clientId, audience, scopes: undefined,
    exp: Number(claims.exp), grantId: undefined, act: undefined, mayAct: undefined,
    acr: stringClaim(claims.acr), amr: Array.isArray(claims.amr) ? claims.amr.filter((value): value is string => typeof value === 'string') : undefined,
    authTime: numberClaim(claims.auth_time),
    email: claims.email_verified === true ? stringClaim(claims.email) : undefined,
  }
}

/**
 * A JWT of a trusted issuer (the JWT-bearer grant's list): the issuer lets this client present its
 * tokens, the signature verifies under its keys with its algorithms, it is addressed to this server or
 * to the client, has not expired, and its subject maps to a local user. An ID-JAG is a grant for its own
 * audience, never a subject token here.
 */
async function readTrustedJwt(ctx: ServerContext, options: ResolvedTokenExchangeOptions, client: ClientRecord, token: string): Promise<ExchangedToken> {
  const decoded = decodeUnverified(token)
  if (!decoded) throw new UnusableToken('subject_token', 'not a JWS in compact serialization')
  if (grantAssertionKind(decoded.header.typ) === 'id-jag') throw new UnusableToken('subject_token', 'an ID-JAG is not a subject token')
  const trusted = typeof decoded.payload.iss === 'string' ? options.trusted.issuers.get(decoded.payload.iss) : undefined
  if (!trusted) throw new UnusableToken('subject_token', 'iss is not a trusted issuer')
  if (trusted.clients !== 'any' && !trusted.clients.has(client.client_id)) throw new UnusableToken('subject_token', 'the client may not present tokens of this issuer')
  const keys = await keysOf(ctx, trusted, typeof decoded.header.kid === 'string' ? decoded.header.kid : undefined)
  if (!keys) throw new UnusableToken('subject_token', 'the issuer\'s keys are not available')
  let claims: JWTPayload
  try {
    claims = await verifyJwt(token, keys, {
      algorithms: [...trusted.algorithms], issuer: trusted.issuer, requiredClaims: ['sub', 'exp'],
      clockTolerance: options.trusted.clockSkewSeconds, currentDate: new Date(ctx.config.now() * 1000),
    })
  } catch (error) {
    if (isJwtValidationError(error)) throw new UnusableToken('subject_token', error instanceof Error ? error.message : 'signature')
    throw error
  }
  const audience = audiencesOf(claims.aud)
  if (!audience.includes(ctx.config.issuer) && !audience.includes(client.client_id)) throw new UnusableToken('subject_token', 'aud names neither this server nor the client')
  const user = await userOf(ctx, options.trusted, trusted, { issuer: trusted.issuer, subject: String(claims.sub), claims })
  if (!user) throw new UnusableToken('subject_token', 'the subject is not a local user')
  let scopes: string[] | undefined
  try {
    scopes = typeof claims.scope === 'string' ? parseScope(claims.scope) : undefined
  } catch {
    throw new UnusableToken('subject_token', 'scope is malformed')
  }
  return {
    type: 'jwt', issuer: trusted.issuer, subject: user.id, userId: user.id, clientId: stringClaim(claims.client_id) ?? stringClaim(claims.azp),
    audience, scopes, exp: Number(claims.exp), grantId: undefined, ...chainClaims('subject_token', claims),
    acr: stringClaim(claims.acr), amr: Array.isArray(claims.amr) ? claims.amr.filter((value): value is string => typeof value === 'string') : undefined,
    authTime: numberClaim(claims.auth_time),
  }
}

/** The subject token of a request, by its declared type; the caller has checked that policy allows the type. */
export function readSubjectToken(ctx: ServerContext, options: ResolvedTokenExchangeOptions, client: ClientRecord, type: ExchangeableSubjectType, token: string): Promise<ExchangedToken> {
  if (type === 'access_token') return readOwnAccessToken(ctx, token, 'subject_token')
  if (type === 'id_token') return readOwnIdToken(ctx, token)
  return readTrustedJwt(ctx, options, client, token)
}
