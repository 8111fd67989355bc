import type { AcrRequest } from '../../protocol/oidc/acr-request.js'
import type { Store } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { ACR_MFA, acrLevel, acrOf } from './assurance.js'
import { hasPasskey } from './passkey-factor.js'
import { hasSecondFactor } from './totp-credential.js'
import { CLIENT_MFA_POLICY, NEVER, USER_MFA_POLICY } from './records.js'

/** Whether the operator requires a second factor of this user. */
export async function userRequiresMfa(ctx: ServerContext, userId: string): Promise<boolean> {
  return (await ctx.config.store.records.get(USER_MFA_POLICY, userId, ctx.config.now()))?.value.require_mfa === true
}

/** Whether the operator requires a second factor for logins to this client. */
export async function clientRequiresMfa(ctx: ServerContext, clientId: string): Promise<boolean> {
  return (await ctx.config.store.records.get(CLIENT_MFA_POLICY, clientId, ctx.config.now()))?.value.require_mfa === true
}

/**
 * Whether policy — the server's `requireMfa`, the client's or the user's setting — demands two factors
 * for this user at this client, whatever the request says.
 */
export async function mfaMandatory(ctx: ServerContext, clientId: string, userId: string): Promise<boolean> {
  if (ctx.config.requireMfa) return true
  const [client, user] = await Promise.all([clientRequiresMfa(ctx, clientId), userRequiresMfa(ctx, userId)])
  return client || user
}

/**
 * What the request asks: `mfa` when an essential `acr` can only be met by two factors (OIDC Core
 * §5.5.1.1: unmet is a failed authentication), `preferred` when `acr_values` names the two-factor level
 * (voluntary, §3.1.2.1: met when the user has a second factor, else answered honestly with a lower `acr`).
 */
function requested(request: AcrRequest): 'mfa' | 'preferred' | 'none' {
  const essential = request.essential_acr?.filter((acr) => acrLevel(acr) >= 0)
  if (essential && essential.length > 0 && essential.every((acr) => acrLevel(acr) >= acrLevel(ACR_MFA))) return 'mfa'
  if (request.acr_values?.includes(ACR_MFA)) return 'preferred'
  return 'none'
}

/**
 * The second step an authentication at `acr` still needs for this request, client and user: none,
 * a code (`enrol: false`), or enrolment first because two factors are required and the user has none.
 */
export async function secondStepNeeded(ctx: ServerContext, clientId: string, userId: string, request: AcrRequest, current: { acr: string | undefined; passwordJustNow: boolean }): Promise<{ enrol: boolean } | undefined> {
  if (acrLevel(current.acr) >= acrLevel(ACR_MFA)) return undefined
  const [mandatory, totp, passkey] = await Promise.all([mfaMandatory(ctx, clientId, userId), hasSecondFactor(ctx, userId), hasPasskey(ctx, userId)])
  const wanted = requested(request)
  if (mandatory || wanted === 'mfa') return { enrol: !(totp || passkey) }
  // A user who set up TOTP is asked for it at every sign-in; an existing session is reused at its level
  // unless the client asks for more. A passkey alone does not add a step to password sign-ins (its user
  // chose it to sign in without one) but passes the step wherever two factors are asked for.
  if (totp && current.passwordJustNow) return { enrol: false }
  if ((totp || passkey) && wanted === 'preferred') return { enrol: false }
  return undefined
}

/**
 * MF-08: whether a grant authenticated at `acr` may still yield tokens for this client and user — the one
 * check every grant that reuses an earlier authentication calls (refresh now; device flow and token
 * exchange when they come). A grant below what policy now requires is refused, never raised.
 */
export async function grantMeetsPolicy(ctx: ServerContext, clientId: string, userId: string, acr: string | undefined): Promise<boolean> {
  if (acrLevel(acr) >= acrLevel(ACR_MFA)) return true
  return !(await mfaMandatory(ctx, clientId, userId))
}

/** Sets or clears the operator's second-factor requirement for a user (`tessera-oidc user update --require-mfa`). */
export async function setUserRequireMfa(store: Store, userId: string, required: boolean): Promise<void> {
  if (required) await store.records.put(USER_MFA_POLICY, { key: userId, value: { require_mfa: true }, expiresAt: NEVER, subject: userId }, { replace: true })
  else await store.records.delete(USER_MFA_POLICY, userId)
}

/** Sets or clears the second-factor requirement of a client (`tessera-oidc client update --require-mfa`). */
export async function setClientRequireMfa(store: Store, clientId: string, required: boolean): Promise<void> {
  if (required) await store.records.put(CLIENT_MFA_POLICY, { key: clientId, value: { require_mfa: true }, expiresAt: NEVER, clientId }, { replace: true })
  else await store.records.delete(CLIENT_MFA_POLICY, clientId)
}

/**
 * The backstop every code issuance passes (src/server/authorization-response.ts), whatever path signed the
 * user in: false when the authentication is below what policy demands of this client and user, or below an
 * essential `acr` of the request (OIDC Core §5.5.1.1: never a token claiming less than was required). The
 * login paths ask for the second factor before they get here; a path that does not (a new login method
 * not yet wired to the second step) is refused rather than let through.
 */
export async function authenticationMeetsRequest(ctx: ServerContext, clientId: string, userId: string, request: AcrRequest, auth: { amr?: readonly string[] | undefined; acr?: string | undefined }): Promise<boolean> {
  const acr = auth.acr ?? acrOf(auth.amr ?? ['pwd'])
  if (requested(request) === 'mfa' && acrLevel(acr) < acrLevel(ACR_MFA)) return false
  return grantMeetsPolicy(ctx, clientId, userId, acr)
}
