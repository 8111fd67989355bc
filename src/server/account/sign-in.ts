import { randomToken, sha256 } from '../../crypto/random.js'
import { queryParameters } from '../../http/form.js'
import { redirectResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { computeS256Challenge } from '../../protocol/rfc7636/pkce.js'
import { AUTHORIZATION_CODE } from '../../storage/kinds/codes.js'
import type { ClientRecord } from '../../storage/types.js'
import { builtInSignInClient } from '../built-in-client.js'
import type { ClientSource, ServerContext } from '../context.js'

/**
 * The account pages sign the user in as a client of this server: `/account` without a session sends the
 * browser through `/authorize`, so the one login — password, and whatever second step or upstream provider
 * other capabilities add to the interaction — guards the account page too, and nothing here repeats it.
 * The client exists only in this source (never stored) and is first-party: no consent screen.
 */
export const ACCOUNT_CLIENT_ID = 'urn:tessera:account'

export function accountCallbackUrl(ctx: ServerContext): string {
  return `${ctx.config.issuer}/account/callback`
}

export function accountClient(ctx: ServerContext): ClientRecord {
  return builtInSignInClient(ACCOUNT_CLIENT_ID, 'your account', accountCallbackUrl(ctx))
}

export const accountClientSource: ClientSource = {
  handles: (clientId) => clientId === ACCOUNT_CLIENT_ID,
  resolve: (ctx) => Promise.resolve(accountClient(ctx)),
}

/** To the login page, coming back to `/account` once signed in. */
export function signInRedirect(ctx: ServerContext): OAuthResponse {
  // PKCE is mandatory at /authorize; the code is never exchanged (the callback only uses it up), so the
  // verifier is not kept.
  const query = new URLSearchParams({
    response_type: 'code', client_id: ACCOUNT_CLIENT_ID, redirect_uri: accountCallbackUrl(ctx), scope: 'openid',
    state: randomToken(16), code_challenge: computeS256Challenge(randomToken(32)), code_challenge_method: 'S256',
  })
  return redirectResponse(`${ctx.urls.authorization}?${query.toString()}`)
}

/**
 * GET /account/callback: the login set the session cookie; the code it sent along is used up unexchanged
 * (nobody can redeem it: its PKCE verifier was never kept), and the browser goes to the account page. A
 * forged callback signs nobody in: the page only ever shows the session's own user.
 */
export async function accountCallback(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  let code: string | undefined
  try {
    code = queryParameters(request.url).get('code')
  } catch {
    code = undefined
  }
  // Only a code of this client is used up: a link carrying some app's code must not spend it for the app.
  if (code !== undefined && code.length <= 256) {
    const now = ctx.config.now()
    const issued = await ctx.config.store.records.get(AUTHORIZATION_CODE, sha256(code), now)
    if (issued?.value.client_id === ACCOUNT_CLIENT_ID) await ctx.config.store.codes.consume(sha256(code), now)
  }
  return redirectResponse(`${ctx.config.issuer}/account`)
}
