import { OAuthError } from '../../errors.js'
import { parseScope } from '../rfc6749/scope.js'
import type { ActorClaim } from '../rfc8693/actor-claim.js'

/** The members RFC 7662 §2.2 defines for an active token; all optional, others may be added. */
export interface ActiveIntrospectionResponse {
  active: true
  scope?: string
  client_id?: string
  username?: string
  token_type?: string
  exp?: number
  iat?: number
  nbf?: number
  sub?: string
  aud?: string | string[]
  iss?: string
  jti?: string
  [member: string]: unknown
}

/** An RFC 7662 §2.2 introspection answer: an inactive token shows nothing but `active: false`. */
export type IntrospectionResponse = { active: false } | ActiveIntrospectionResponse

/** §2.2: the whole answer for a token that is unknown, expired, revoked or not the caller's to ask about. */
export const INACTIVE_TOKEN: Readonly<{ active: false }> = Object.freeze({ active: false })

/** What an authorization server tells about an active token (§2.2), in the order it is serialized. */
export interface IntrospectedToken {
  token_type: string
  scope: string
  client_id: string
  sub: string
  aud: string | string[]
  iss: string
  exp: number
  iat: number
  jti?: string | undefined
  /** RFC 9449 §6.2: the DPoP key a bound token must be presented with. */
  cnf?: { jkt: string } | undefined
  /** RFC 9470 §6: when and how the user authenticated, for a resource server's step-up decision. */
  auth_time?: number | undefined
  acr?: string | undefined
  /** RFC 8693 §4.1 (and §2.2 of RFC 7662: any claim of the token): who acts for `sub`, the chain nested. */
  act?: ActorClaim | undefined
}

/**
 * The §2.2 answer for an active token, built by the authorization server's endpoint.
 *
 * @example
 * ```ts
 * activeIntrospectionResponse({ token_type: 'Bearer', scope: 'notes:read', client_id, sub, aud, iss, exp, iat, jti })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export function activeIntrospectionResponse(token: IntrospectedToken): ActiveIntrospectionResponse {
  const answer: ActiveIntrospectionResponse = {
    active: true,
    token_type: token.token_type,
    scope: token.scope,
    client_id: token.client_id,
    sub: token.sub,
    aud: token.aud,
    iss: token.iss,
    exp: token.exp,
    iat: token.iat,
  }
  if (token.jti !== undefined) answer.jti = token.jti
  if (token.cnf !== undefined) answer.cnf = token.cnf
  if (token.auth_time !== undefined) answer.auth_time = token.auth_time
  if (token.acr !== undefined) answer.acr = token.acr
  if (token.act !== undefined) answer.act = token.act
  return answer
}

export interface IntrospectionResponseRules {
  /** The authorization server's issuer identifier; `iss`, when given, must equal it. */
  issuer: string
  /** This resource server's identifier, which `aud` must name (RFC 9700 §2.3). */
  audience: string
  /** Seconds of clock skew allowed on `exp` and `nbf`. */
  clockTolerance: number
  /** Seconds since the epoch. */
  now: number
}

/** An answer that passed `validateIntrospectionResponse`. */
export interface ValidatedIntrospection {
  response: ActiveIntrospectionResponse & { sub: string; client_id: string }
  /** `scope`, parsed (RFC 6749 §3.3). */
  scopes: string[]
  /** `exp`, or `Infinity` when the answer has none. */
  expiresAt: number
}

function inactive(detail: string): OAuthError {
  return new OAuthError('invalid_token', 'The access token is invalid or expired', { detail })
}

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud]
  if (Array.isArray(aud)) return aud.filter((value): value is string => typeof value === 'string')
  return []
}

/**
 * Validates an answer a resource server received (§2.2): `active` is `true`, the token is a bearer access
 * token (not the refresh token an authorization server would also describe), `iss` is the issuer when
 * given, `aud` names this API (RFC 9700 §2.3), `exp`/`nbf` hold within the clock tolerance, `sub` and
 * `client_id` are non-empty and `scope` is an RFC 6749 §3.3 string. Pure: the time is `rules.now`.
 * Throws `invalid_token`, or `temporarily_unavailable` for a body that is no JSON object (a broken
 * server, not a verdict on the token).
 *
 * @example
 * ```ts
 * const { response, scopes } = validateIntrospectionResponse(await answer.json(), { issuer, audience, clockTolerance: 30, now })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export function validateIntrospectionResponse(body: unknown, rules: IntrospectionResponseRules): ValidatedIntrospection {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthError('temporarily_unavailable', 'The authorization server could not be reached', { detail: 'introspection answer is not a JSON object' })
  }
  const members = body as Record<string, unknown>
  if (members.active !== true) throw inactive('introspection answered active: false')
  const { token_type: tokenType, iss, aud, exp, nbf, sub, client_id: clientId, scope } = members
  // §2.2 `token_type` takes RFC 6749 §5.1 values; Tessera answers `refresh_token` for refresh tokens.
  if (tokenType !== undefined && !(typeof tokenType === 'string' && ['bearer', 'dpop', 'access_token'].includes(tokenType.toLowerCase()))) {
    throw inactive(`token_type ${JSON.stringify(tokenType)} is not a bearer access token`)
  }
  if (iss !== undefined && iss !== rules.issuer) throw inactive(`iss ${JSON.stringify(iss)} is not the issuer`)
  if (!audiences(aud).includes(rules.audience)) throw inactive(`aud ${JSON.stringify(aud)} does not name ${rules.audience}`)
  if (exp !== undefined && (typeof exp !== 'number' || exp <= rules.now - rules.clockTolerance)) throw inactive('exp has passed')
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > rules.now + rules.clockTolerance)) throw inactive('nbf is in the future')
  if (typeof sub !== 'string' || sub === '') throw inactive('sub is missing')
  if (typeof clientId !== 'string' || clientId === '') throw inactive('client_id is missing')
  if (scope !== undefined && typeof scope !== 'string') throw inactive('scope is not a string')
  let scopes: string[]
  try {
    scopes = parseScope(scope)
  } catch {
    throw inactive('scope is malformed')
  }
  // The checks above established the members this type promises; the answer is not copied.
  return { response: members as ValidatedIntrospection['response'], scopes, expiresAt: typeof exp === 'number' ? exp : Infinity }
}
