import { randomToken } from '../../crypto/random.js'
import { OAuthError } from '../../errors.js'
import type { Parameters } from '../../http/form.js'
import { mayActMatches, nestActor, type ActorClaim } from '../../protocol/rfc8693/actor-claim.js'
import { readTokenExchangeRequest } from '../../protocol/rfc8693/token-exchange-request.js'
import { tokenExchangeResponse } from '../../protocol/rfc8693/token-exchange-response.js'
import { TOKEN_EXCHANGE_GRANT_TYPE, TOKEN_TYPES, type TokenTypeName } from '../../protocol/rfc8693/token-types.js'
import type { ClientRecord } from '../../storage/types.js'
import type { Grant, ServerContext, TokenBinding } from '../context.js'
import { grantMeetsPolicy } from '../mfa/policy.js'
import { loadResources, type ResourceDirectory } from '../resources/directory.js'
import { issueAccessToken } from '../tokens/access-token.js'
import { issueIdJag } from './id-jag.js'
import type { ResolvedTokenExchangeOptions } from './options.js'
import { EXCHANGEABLE_SUBJECT_TYPES, policyOf, type ExchangeableSubjectType, type TokenExchangePolicy } from './policy.js'
import { readOwnAccessToken, readSubjectToken, UnusableToken, type ExchangedToken } from './subject-token.js'
import { exchangedAudience, exchangedScopes, requestedTargets } from './targets.js'

const ISSUABLE: readonly TokenTypeName[] = ['access_token', 'jwt', 'id_jag']

/**
 * The token exchange grant (RFC 8693 §2): `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`.
 * The token endpoint has authenticated the client and checked that it is registered for the grant; this
 * reads the request (§2.1), loads the client's policy, validates the subject token as introspection would
 * (and the actor token, which must be the client's own), checks that the subject token is the client's to
 * exchange, that the second-factor policy the subject's grant met still holds, then issues an access
 * token, a JWT access token or an ID-JAG for the target and scope the policy allows.
 *
 * Errors (§2.2.2): a malformed request or an unsupported token type is `invalid_request`; a subject or
 * actor token that is not valid, not the client's, or whose `may_act` names someone else is `invalid_grant`
 * (RFC 6749 §5.2 for a grant that cannot be used, as the ID-JAG draft's example answers; §2.2.2 itself
 * says `invalid_request` — both name a refused token, and Tessera answers as its other grants do); a target
 * the client may not have is `invalid_target`; a wider scope `invalid_scope`; a permission the policy does
 * not give (a subject token type, delegation, impersonation) `unauthorized_client`.
 *
 * No refresh token, ever (§2.2.1 makes it optional): the exchanged token rides on the subject token, which
 * has its own lifetime and revocation; a refresh token would let the exchanging service keep the
 * delegated rights after the subject token expired or was revoked (§5: limit the lifetime of delegated
 * rights). It asks again with a fresh subject token instead.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2
 */
export function tokenExchangeGrantType(options: ResolvedTokenExchangeOptions): Grant {
  return {
    type: TOKEN_EXCHANGE_GRANT_TYPE,
    // RFC 8693 §5 and ID-JAG Security Considerations: whoever holds a copied token could exchange it if
    // nobody had to authenticate; public clients never exchange (catalogue TX-01, keycloak#16294).
    confidentialOnly: true,
    handle: (ctx, client, params, binding) => exchangeToken(ctx, options, client, params, binding),
  }
}

async function exchangeToken(ctx: ServerContext, options: ResolvedTokenExchangeOptions, client: ClientRecord, params: Parameters, binding: TokenBinding | undefined) {
  if (client.token_endpoint_auth_method === 'none') throw new OAuthError('unauthorized_client', 'Public clients cannot exchange tokens')
  const request = readTokenExchangeRequest(params)
  const subjectType = request.subjectTokenType
  // §3 refresh tokens (catalogue TX-06) are not exchanged: a refresh token is redeemed at its own grant,
  // where rotation and reuse detection apply; SAML assertions are not read by this server.
  if (!(EXCHANGEABLE_SUBJECT_TYPES as readonly string[]).includes(subjectType)) {
    throw new OAuthError('invalid_request', `subject_token_type ${TOKEN_TYPES[subjectType]} is not supported: use access_token, id_token or jwt`)
  }
  const requested = request.requestedTokenType ?? 'access_token'
  if (!ISSUABLE.includes(requested)) throw new OAuthError('invalid_request', `requested_token_type ${TOKEN_TYPES[requested]} is not issued here: ask for access_token, jwt or id-jag`)
  if (request.actor && request.actor.type !== 'access_token') throw new OAuthError('invalid_request', 'actor_token_type must be urn:ietf:params:oauth:token-type:access_token (the client\'s own access token)')
  // ID-JAG "Token Exchange": actor_token is not used in this profile.
  if (request.actor && requested === 'id_jag') throw new OAuthError('invalid_request', 'actor_token is not used when requesting an ID-JAG')

  const policy = await policyOf(ctx, options.clients, client.client_id)
  if (!(policy.subject_token_types ?? ['access_token']).includes(subjectType as ExchangeableSubjectType)) {
    throw new OAuthError('unauthorized_client', 'The client may not exchange subject tokens of this type')
  }
  if (request.actor && policy.delegation !== true) throw new OAuthError('unauthorized_client', 'The client may not act for others (its policy allows no delegation)')

  const [subject, directory] = await Promise.all([readSubjectToken(ctx, options, client, subjectType as ExchangeableSubjectType, request.subjectToken), loadResources(ctx)])
  checkSubjectBelongsToClient(client, policy, directory, subject, requested === 'id_jag')
  const actor = request.actor ? await readOwnAccessToken(ctx, request.actor.token, 'actor_token') : undefined
  const act = actorChain(ctx, client, subject, actor)
  // MF-08: the one check every grant reusing an earlier authentication calls; exchange never gets round a
  // second-factor requirement of the exchanging client or of the user.
  if (subject.userId !== undefined && !(await grantMeetsPolicy(ctx, client.client_id, subject.userId, subject.acr))) {
    throw new OAuthError('invalid_grant', 'The subject_token needs a sign-in with a second factor', { detail: `subject acr ${String(subject.acr)} below policy` })
  }

  if (requested === 'id_jag') {
    const jag = await issueIdJag(ctx, policy, subject, request, options.idJagLifetimeSeconds)
    audit(ctx, client, subject, { issued: 'id_jag', audience: [jag.audience], scopes: jag.scopes, jti: jag.jti, grantId: null, act })
    return tokenExchangeResponse({ token: jag.token, issuedTokenType: 'id_jag', tokenType: 'N_A', expiresIn: jag.expiresIn, scopes: jag.scopes })
  }

  const audience = exchangedAudience(directory, ctx.config.issuer, policy, subject, requestedTargets(request))
  const widens = audience.some((target) => !(subject.type === 'access_token' && subject.audience.includes(target)))
  // §1.1 impersonation: a token for another audience that speaks for the subject with no actor named.
  if (widens && actor === undefined && policy.impersonation !== true) {
    throw new OAuthError('unauthorized_client', 'The client may not impersonate the subject at another audience: present an actor_token, or ask for impersonation in its policy')
  }
  const scopes = exchangedScopes(policy, subject, request.scopes, client.scopes)
  // Joins the subject's grant (revoking it ends the exchanged token too, TX-04); a user token without a
  // grant of this server (an ID token, a trusted issuer's JWT) gets one of its own, so revoking the user's
  // grants and deleting the user still reach it.
  const grantId = subject.grantId ?? (subject.userId !== undefined ? randomToken(16) : undefined)
  const access = await issueAccessToken(ctx, {
    subject: subject.userId ?? subject.subject,
    clientId: client.client_id,
    scopes,
    audience,
    grantId,
    authTime: subject.authTime,
    acr: subject.acr,
    dpopJkt: binding?.dpopJkt,
    act,
    notAfter: subject.exp,
    format: requested === 'jwt' ? 'jwt' : undefined,
  })
  const jti = String(access.claims.jti)
  audit(ctx, client, subject, { issued: requested, audience, scopes, jti, grantId: grantId ?? null, act })
  return tokenExchangeResponse({
    token: access.token, issuedTokenType: requested, tokenType: binding?.dpopJkt !== undefined ? 'DPoP' : 'Bearer', expiresIn: access.expiresIn, scopes,
  })
}

/**
 * Whose token may the client exchange (catalogue TX-01, keycloak#48104)? One issued to it, one addressed
 * to one of its own resources (its policy's `resources`, or a stored API it introspects for), or one whose
 * `may_act` (RFC 8693 §4.4) names it. For an ID-JAG the rule is the draft's: the subject token's audience
 * is the client. A trusted issuer's JWT passed its own rule when it was read.
 */
function checkSubjectBelongsToClient(client: ClientRecord, policy: TokenExchangePolicy, directory: ResourceDirectory, subject: ExchangedToken, idJag: boolean): void {
  if (idJag) {
    if (subject.clientId !== client.client_id) throw new UnusableToken('subject_token', 'ID-JAG: the subject token was issued to another client')
    return
  }
  // A trusted issuer's JWT was checked when read: the issuer lets this client present its tokens, and the
  // token is addressed to this server or to the client (as the JWT-bearer grant asks of its assertions).
  if (subject.type === 'jwt') return
  const own = new Set([...(policy.resources ?? []), ...directory.resources.filter((api) => api.introspectionClientId === client.client_id).map((api) => api.identifier)])
  const issuedToIt = subject.clientId === client.client_id
  const addressedToIt = subject.audience.some((target) => own.has(target))
  const namedByMayAct = subject.mayAct !== undefined && mayActMatches(subject.mayAct, { sub: client.client_id, client_id: client.client_id })
  if (!issuedToIt && !addressedToIt && !namedByMayAct) throw new UnusableToken('subject_token', 'neither issued nor addressed to the client')
}

/**
 * RFC 8693 §4.1: with an actor token — the client's own access token, never another client's (TX-02) —
 * the actor becomes the outermost `act` and the subject token's chain is kept unchanged inside it; without
 * one the subject token's chain stays as it was (dropping it would let a delegated token pass for the
 * subject's own). A subject token's `may_act` (§4.4) must name the actor, or the client when none.
 */
function actorChain(ctx: ServerContext, client: ClientRecord, subject: ExchangedToken, actor: ExchangedToken | undefined): ActorClaim | undefined {
  if (actor !== undefined && actor.clientId !== client.client_id) throw new UnusableToken('actor_token', 'the actor token was issued to another client')
  const acting = actor !== undefined ? { sub: actor.subject, client_id: client.client_id, iss: ctx.config.issuer } : { sub: client.client_id, client_id: client.client_id, iss: ctx.config.issuer }
  if (subject.mayAct !== undefined && !mayActMatches(subject.mayAct, acting)) throw new UnusableToken('subject_token', 'may_act does not name the actor')
  if (actor === undefined) return subject.act
  try {
    return nestActor({ sub: actor.subject, client_id: client.client_id }, subject.act)
  } catch (error) {
    if (error instanceof RangeError) throw new UnusableToken('subject_token', error.message)
    throw error
  }
}

function audit(ctx: ServerContext, client: ClientRecord, subject: ExchangedToken, issued: { issued: TokenTypeName; audience: readonly string[]; scopes: readonly string[]; jti: string; grantId: string | null; act: ActorClaim | undefined }): void {
  const chain: string[] = []
  for (let current = issued.act; current !== undefined; current = current.act) chain.push(current.sub)
  const who = subject.userId ?? subject.subject
  void ctx.audit.record({
    type: 'token.issued', grant_type: TOKEN_EXCHANGE_GRANT_TYPE, client_id: client.client_id, subject: who, scopes: [...issued.scopes],
    grant_id: issued.grantId, jti: issued.jti, refresh_token_issued: false, id_token_issued: false,
  })
  void ctx.audit.record({
    type: 'token_exchange.issued', client_id: client.client_id, subject: who, subject_token_type: subject.type,
    subject_client_id: subject.clientId ?? null, issued_token_type: issued.issued, audience: [...issued.audience], scopes: [...issued.scopes],
    actor_chain: chain, jti: issued.jti,
  })
}
