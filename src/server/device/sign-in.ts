import { randomToken, sha256 } from '../../crypto/random.js'
import { queryParameters } from '../../http/form.js'
import { redirectResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { computeS256Challenge } from '../../protocol/rfc7636/pkce.js'
import { formatUserCode, normalizeUserCode, type UserCode } from '../../protocol/rfc8628/user-code.js'
import { AUTHORIZATION_CODE } from '../../storage/kinds/codes.js'
import type { ClientRecord } from '../../storage/types.js'
import { builtInSignInClient } from '../built-in-client.js'
import type { ClientSource, ServerContext } from '../context.js'
import { ACR_MFA } from '../mfa/assurance.js'

/**
 * The verification page signs the user in as a client of this server, as the account page does: through
 * `/authorize` and the one login (password, upstream providers, the second factor), never a login of its
 * own. The client exists only in this source (never stored) and is first-party: no consent screen there —
 * the device's own approval comes on the verification page.
 */
export const DEVICE_SIGN_IN_CLIENT_ID = 'urn:tessera:device'

function callbackUrl(ctx: ServerContext): string {
  return `${verificationUri(ctx)}/callback`
}

/** The verification URI of RFC 8628 §3.2, on this server's own origin. */
export function verificationUri(ctx: ServerContext): string {
  return ctx.urls.deviceVerification ?? `${ctx.config.issuer}/device`
}

function signInClient(ctx: ServerContext): ClientRecord {
  return builtInSignInClient(DEVICE_SIGN_IN_CLIENT_ID, 'device sign-in', callbackUrl(ctx))
}

export const deviceSignInClientSource: ClientSource = {
  handles: (clientId) => clientId === DEVICE_SIGN_IN_CLIENT_ID,
  resolve: (ctx) => Promise.resolve(signInClient(ctx)),
}

/**
 * To the login page and back to the verification page with `userCode` prefilled. `secondFactor` asks for a
 * sign-in with a second factor (an essential `acr`, OIDC Core §5.5.1.1): the device's client or its user
 * needs it, and the session has one factor only.
 */
export function signInRedirect(ctx: ServerContext, userCode: UserCode | undefined, options: { secondFactor?: boolean } = {}): OAuthResponse {
  // PKCE is mandatory at /authorize; the code is only used up at the callback, so the verifier is not kept.
  const query = new URLSearchParams({
    response_type: 'code', client_id: DEVICE_SIGN_IN_CLIENT_ID, redirect_uri: callbackUrl(ctx), scope: 'openid',
    // The state carries the code to prefill: whoever forges a callback gets what a `verification_uri_complete` link gives.
    state: userCode ?? randomToken(16), code_challenge: computeS256Challenge(randomToken(32)), code_challenge_method: 'S256',
    ...(options.secondFactor ? { claims: JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_MFA] } } }) } : {}),
  })
  return redirectResponse(`${ctx.urls.authorization}?${query.toString()}`)
}

/**
 * GET /device/callback: the login set the session cookie; the code is used up unexchanged (nobody can
 * redeem it), and the browser goes back to the verification page.
 */
export async function signInCallback(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  let code: string | undefined
  let state: string | undefined
  try {
    const query = queryParameters(request.url)
    code = query.get('code')
    state = query.get('state')
  } catch {
    code = undefined
  }
  if (code !== undefined && code.length <= 256) {
    const now = ctx.config.now()
    const issued = await ctx.config.store.records.get(AUTHORIZATION_CODE, sha256(code), now)
    // Only this client's code: a link carrying some app's code must not spend it for the app.
    if (issued?.value.client_id === DEVICE_SIGN_IN_CLIENT_ID) await ctx.config.store.codes.consume(sha256(code), now)
  }
  const userCode = state === undefined ? undefined : normalizeUserCode(state)
  return redirectResponse(userCode ? `${verificationUri(ctx)}?user_code=${formatUserCode(userCode)}` : verificationUri(ctx))
}
