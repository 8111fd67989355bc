import { OAuthError } from '../../errors.js'

/**
 * OpenID Connect Back-Channel Logout 1.0: the logout token, shared by the provider that sends it and the
 * relying party that receives it. Signature checks stay with the caller (the provider signs with its
 * key set, the relying party verifies with the provider's JWKS); this module holds the claim rules.
 *
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#LogoutToken
 */

/** §2.4: the one member of `events` that makes a JWT a logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/** §2.4 explicit typing (RFC 8725 §3.11): the `typ` header of a logout token. */
export const LOGOUT_TOKEN_TYPE = 'logout+jwt'

/** The claims of a logout token as the provider issues them and the relying party reads them back. */
export interface LogoutTokenClaims {
  iss: string
  aud: string | string[]
  iat: number
  exp: number
  jti: string
  events: { [BACKCHANNEL_LOGOUT_EVENT]: Record<string, never> }
  sub?: string
  sid?: string
}

/** What the provider knows when one of its sessions ends, for one relying party. */
export interface LogoutTokenInput {
  issuer: string
  clientId: string
  /** The user's `sub` at this client. */
  subject?: string | undefined
  /** The session's `sid`, as in the ID tokens issued in it. */
  sessionId?: string | undefined
  now: number
  /** Seconds until `exp`; the catalogue (BL-01) wants at most 2 minutes. */
  lifetime: number
  jti: string
}

/**
 * §2.4: the claims to sign. At least one of `sub` and `sid`; never a `nonce` (which is what tells an ID
 * token apart, §4.1).
 *
 * @example const claims = logoutTokenClaims({ issuer, clientId: 'notes', sessionId: sid, subject: 'alice', now, lifetime: 120, jti })
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#LogoutToken
 */
export function logoutTokenClaims(input: LogoutTokenInput): LogoutTokenClaims {
  if (input.subject === undefined && input.sessionId === undefined) throw new TypeError('A logout token needs sub or sid (Back-Channel Logout §2.4)')
  return {
    iss: input.issuer,
    aud: input.clientId,
    iat: input.now,
    exp: input.now + input.lifetime,
    jti: input.jti,
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...(input.subject !== undefined ? { sub: input.subject } : {}),
    ...(input.sessionId !== undefined ? { sid: input.sessionId } : {}),
  }
}

/** A logout token whose claims passed §2.6: the branded value a receiver acts on. */
export interface ValidatedLogoutToken {
  readonly iss: string
  readonly sub: string | undefined
  readonly sid: string | undefined
  readonly jti: string
  /** Until when the `jti` must be remembered to refuse a replay. */
  readonly replayUntil: number
  readonly __brand: 'ValidatedLogoutToken'
}

export interface LogoutTokenRules {
  issuer: string
  clientId: string
  now: number
  /** Seconds of allowed clock skew for `iat` and `exp`. */
  clockTolerance: number
  /** Oldest accepted `iat`, in seconds before now, for tokens without `exp` (§2.6 step 2 allows a window). */
  maxAge: number
}

/** §2.8: every refused logout token is a 400 `invalid_request`. */
function invalid(description: string): OAuthError {
  return new OAuthError('invalid_request', description)
}

/**
 * §2.4 explicit typing: absent (older providers, distinguished by `events` and no `nonce` as §4.1 allows)
 * or `logout+jwt`; any other type — an ID token's `JWT`, an access token's `at+jwt` — is another kind of JWT.
 */
export function checkLogoutTokenType(typ: unknown): void {
  if (typ === undefined) return
  const value = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined
  if (value !== LOGOUT_TOKEN_TYPE) throw invalid('The logout token is not typed logout+jwt')
}

/**
 * §2.6 steps 3–5 and the registered claims of step 2 (the signature is checked before): `iss`, `aud`
 * naming this client, `iat`, `exp` if present, `jti`, the back-channel logout event, `sub` and/or `sid`,
 * and no `nonce`. Throws `OAuthError` `invalid_request` naming the first rule broken.
 *
 * @example const token = validateLogoutTokenClaims(payload, { issuer, clientId, now, clockTolerance: 30, maxAge: 300 })
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 */
export function validateLogoutTokenClaims(payload: Record<string, unknown>, rules: LogoutTokenRules): ValidatedLogoutToken {
  if (payload.iss !== rules.issuer) throw invalid('The logout token is not from the expected issuer')
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : []
  if (!audiences.includes(rules.clientId)) throw invalid('The logout token is not addressed to this client')
  const { iat, exp } = payload
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid('The logout token has no iat')
  if (iat > rules.now + rules.clockTolerance) throw invalid('The logout token is issued in the future')
  if (exp !== undefined) {
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalid('The logout token exp is not a number')
    if (exp <= rules.now - rules.clockTolerance) throw invalid('The logout token has expired')
  } else if (iat < rules.now - rules.maxAge - rules.clockTolerance) {
    throw invalid('The logout token is too old')
  }
  if (typeof payload.jti !== 'string' || payload.jti === '') throw invalid('The logout token has no jti')
  const events = payload.events
  if (typeof events !== 'object' || events === null || Array.isArray(events)) throw invalid('The logout token has no events claim')
  const event: unknown = (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT]
  // §2.4: the member's value is a JSON object, "an empty JSON object is recommended".
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw invalid('The logout token has no back-channel logout event')
  // §2.6 step 5 and §4.1: a nonce means an ID token presented as a logout token.
  if (payload.nonce !== undefined) throw invalid('The logout token must not contain a nonce')
  const sub = payload.sub
  const sid = payload.sid
  if (sub !== undefined && (typeof sub !== 'string' || sub === '')) throw invalid('The logout token sub is not a string')
  if (sid !== undefined && (typeof sid !== 'string' || sid === '')) throw invalid('The logout token sid is not a string')
  if (sub === undefined && sid === undefined) throw invalid('The logout token names neither sub nor sid')
  const replayUntil = typeof exp === 'number' ? exp + rules.clockTolerance : iat + rules.maxAge + rules.clockTolerance
  return { iss: rules.issuer, sub, sid, jti: payload.jti, replayUntil, __brand: 'ValidatedLogoutToken' } as ValidatedLogoutToken
}
