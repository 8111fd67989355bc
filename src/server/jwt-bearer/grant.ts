import { randomToken, sha256 } from '../../crypto/random.js'
import { OAuthError } from '../../errors.js'
import type { Parameters } from '../../http/form.js'
import { decodeUnverified, isJwtValidationError, localKeyResolver, verifyJwt, type KeyResolver } from '../../jwt/verify.js'
import { OIDC_SCOPES } from '../../protocol/oidc/claims.js'
import { isSubset, parseScope } from '../../protocol/rfc6749/scope.js'
import {
  checkGrantAssertionClaims, grantAssertionKind, JWT_BEARER_GRANT_TYPE, type CheckedGrantAssertion,
} from '../../protocol/rfc7523/authorization-grant.js'
import { readResourceIndicators } from '../../protocol/rfc8707/resource-indicator.js'
import { StorageConflictError, type ClientRecord, type RecordKind, type UserRecord } from '../../storage/types.js'
import type { Grant, ServerContext, TokenBinding } from '../context.js'
import { fetchedKeySet } from '../rfc7523/client-keys.js'
import { loadResources } from '../resources/directory.js'
import { authorizationTargetError, tokenTarget } from '../resources/target.js'
import { issueAccessToken } from '../tokens/access-token.js'
import { tokenResponse } from '../tokens/token-response.js'
import type { ResolvedJwtBearerOptions, ResolvedTrustedIssuer } from './options.js'

/** The `jti`s of accepted grant assertions, keyed by SHA-256 of issuer and `jti`, kept until the assertion's `exp`. */
export const GRANT_ASSERTION_JTI: RecordKind<Record<string, never>> = { name: 'jwt-bearer-jti' }

/** RFC 7521 §5.2: every assertion that cannot be used is `invalid_grant`, with one description for all. */
const INVALID = 'The assertion is not valid'

class Refused extends OAuthError {
  constructor(reason: string) {
    super('invalid_grant', INVALID, { detail: reason })
  }
}

/**
 * The JWT-bearer authorization grant (RFC 7523 §2.1, RFC 7521 §4.1) from configured trusted issuers, and
 * its Identity Assertion profile (ID-JAG). The token endpoint has authenticated the client and checked that
 * it is registered for the grant; this checks, in order: the `assertion` parameter (`invalid_request`);
 * the header `typ`; the issuer is trusted and lets this client present its assertions
 * (`unauthorized_client`); the signature under the issuer's keys with an allow-listed asymmetric algorithm;
 * the claims (`checkGrantAssertionClaims`); the local user the subject maps to; the scope and resources
 * within what the client and an ID-JAG allow; then the `jti`, single use in `store.records`. Every
 * assertion problem is `invalid_grant` with one description (the operator log says which check failed).
 *
 * No refresh token: the assertion is the grant, and the issuer decides how long it lives. A refresh token
 * would let the client keep access after the identity provider stopped asserting the user (a disabled
 * account, a revoked app assignment), which the provider has no way to tell this server; the client asks
 * its issuer for a fresh assertion instead (ID-JAG: "SHOULD NOT" issue one for the same reason).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
export function jwtBearerGrantType(options: ResolvedJwtBearerOptions): Grant {
  return {
    type: JWT_BEARER_GRANT_TYPE,
    // ID-JAG Security Considerations: confidential clients only; a user-impersonating assertion presented
    // by a client nobody authenticated is a bearer credential for anyone who copied it.
    confidentialOnly: true,
    handle: (ctx, client, params, binding) => exchangeAssertion(ctx, options, client, params, binding),
  }
}

async function exchangeAssertion(ctx: ServerContext, options: ResolvedJwtBearerOptions, client: ClientRecord, params: Parameters, binding: TokenBinding | undefined) {
  if (client.token_endpoint_auth_method === 'none') throw new OAuthError('unauthorized_client', 'Public clients cannot use the JWT bearer grant')
  const assertion = params.get('assertion')
  // RFC 7521 §4.1: `assertion` is REQUIRED; its absence is a malformed request, not a bad grant.
  if (assertion === undefined || assertion === '') throw new OAuthError('invalid_request', 'Missing assertion')
  const decoded = decodeUnverified(assertion)
  if (!decoded) throw new Refused('not a JWS in compact serialization')
  const kind = grantAssertionKind(decoded.header.typ)
  if (kind !== 'jwt' && kind !== 'id-jag') throw new Refused(kind)
  const trusted = typeof decoded.payload.iss === 'string' ? options.issuers.get(decoded.payload.iss) : undefined
  if (!trusted) throw new Refused('iss is not a trusted issuer')
  if (trusted.clients !== 'any' && !trusted.clients.has(client.client_id)) {
    throw new OAuthError('unauthorized_client', 'The client may not present assertions of this issuer', { detail: trusted.issuer })
  }
  if (trusted.idJagOnly && kind !== 'id-jag') throw new Refused('the issuer sends only ID-JAGs')

  const now = ctx.config.now()
  const keys = await keysOf(ctx, trusted, typeof decoded.header.kid === 'string' ? decoded.header.kid : undefined)
  if (!keys) throw new Refused('the issuer\'s keys are not available')
  let payload: Record<string, unknown>
  try {
    payload = await verifyJwt(assertion, keys, {
      algorithms: [...trusted.algorithms], issuer: trusted.issuer, clockTolerance: options.clockSkewSeconds, currentDate: new Date(now * 1000),
    })
  } catch (error) {
    if (!isJwtValidationError(error)) throw error
    throw new Refused(error instanceof Error ? error.message : 'signature')
  }
  const checked = checkGrantAssertionClaims(payload, { audience: ctx.config.issuer, issuer: trusted.issuer, clientId: client.client_id, now, kind }, {
    maxLifetimeSeconds: trusted.maxLifetimeSeconds, clockSkewSeconds: options.clockSkewSeconds,
  })
  if (typeof checked === 'string') throw new Refused(checked)
  const user = await userOf(ctx, options, trusted, checked)
  if (!user) throw new Refused('the subject is not a local user')
  if (user.disabled) throw new Refused('the user is disabled')

  const scopes = grantedScopes(client, checked, params)
  const requested = readResourceIndicators(params.all('resource'))
  // ID-JAG `resource`: the token may address those resources only (RFC 8707 §2.2 narrowing, never widening).
  const directory = await loadResources(ctx)
  const targetProblem = authorizationTargetError(directory, client.scopes, checked.resources ?? [], scopes)
  if (targetProblem) throw targetProblem
  const target = tokenTarget(directory, ctx.config.issuer, { scopes, resources: checked.resources ?? [] }, requested)

  // RFC 7523 §3 (7): used once. Last of the checks, so a refused request never burns the assertion.
  try {
    await ctx.config.store.records.put(GRANT_ASSERTION_JTI, {
      key: sha256(`${trusted.issuer} ${checked.jti}`), value: {}, expiresAt: checked.exp + options.clockSkewSeconds + 1, clientId: client.client_id, subject: user.id,
    })
  } catch (error) {
    if (error instanceof StorageConflictError) throw new Refused('jti replayed')
    throw error
  }
  // A grant id of its own, so revoking the user's grants and deleting the user reach this token too.
  const grantId = randomToken(16)
  const access = await issueAccessToken(ctx, {
    subject: user.id, clientId: client.client_id, scopes: target.scopes, audience: target.audience, grantId, dpopJkt: binding?.dpopJkt,
  })
  void ctx.audit.record({
    type: 'token.issued', grant_type: JWT_BEARER_GRANT_TYPE, client_id: client.client_id, subject: user.id, scopes: target.scopes,
    grant_id: grantId, jti: String(access.claims.jti), refresh_token_issued: false, id_token_issued: false,
  })
  void ctx.audit.record({ type: 'jwt_bearer.accepted', client_id: client.client_id, user_id: user.id, issuer: trusted.issuer, id_jag: kind === 'id-jag' })
  return tokenResponse({ accessToken: access.token, expiresIn: access.expiresIn, scopes: target.scopes, dpopJkt: binding?.dpopJkt })
}

/**
 * RFC 6749 §3.3 as ID-JAG asks: the client's API scopes (no OpenID Connect scope: no ID token comes from
 * this grant), narrowed to an ID-JAG's `scope` claim; a requested `scope` must lie within, else
 * `invalid_scope`; none requested gets all of it.
 */
function grantedScopes(client: ClientRecord, checked: CheckedGrantAssertion, params: Parameters): string[] {
  const allowed = client.scopes.filter((scope) => !(OIDC_SCOPES as readonly string[]).includes(scope) && (checked.scopes === undefined || checked.scopes.includes(scope)))
  const requested = parseScope(params.get('scope'))
  if (!isSubset(requested, allowed)) throw new OAuthError('invalid_scope', 'The requested scope is not allowed for this client and assertion')
  return requested.length > 0 ? requested : allowed
}

export async function userOf(ctx: ServerContext, options: ResolvedJwtBearerOptions, trusted: ResolvedTrustedIssuer, checked: Pick<CheckedGrantAssertion, 'issuer' | 'subject' | 'claims'>): Promise<UserRecord | undefined> {
  const users = ctx.config.store.users
  if (options.resolveUser) {
    const id = await options.resolveUser({ issuer: checked.issuer, subject: checked.subject, claims: checked.claims })
    return id === undefined ? undefined : users.get(id)
  }
  const value = checked.claims[trusted.subjectClaim]
  if (typeof value !== 'string' || value === '') return undefined
  return trusted.subjectMatch === 'id' ? users.get(value) : users.getByUsername(value)
}

export async function keysOf(ctx: ServerContext, trusted: ResolvedTrustedIssuer, kid: string | undefined): Promise<KeyResolver | undefined> {
  if (trusted.jwks) return localKeyResolver(trusted.jwks)
  if (!trusted.jwksUri) return undefined
  const set = await fetchedKeySet(ctx, `issuer\n${trusted.issuer}\n${trusted.jwksUri}`, trusted.jwksUri, kid)
  return set && set.keys.length > 0 ? localKeyResolver(set) : undefined
}
