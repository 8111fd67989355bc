import { hiddenFields } from '../form-fields.js'
import { html } from '../html.js'
import { renderPage } from '../layout.js'

/**
 * Asks before ending the session (RP-initiated logout without a trusted `id_token_hint` must not sign the user
 * out silently): a "Sign out" button POSTing to `action` with `hidden` and `csrf_token`.
 *
 * @example renderLogoutConfirmPage({ nonce, action: '/logout', hidden: { state }, csrfToken, clientName: 'Notes' })
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export function renderLogoutConfirmPage(input: {
  nonce: string
  action: string
  hidden: Record<string, string>
  csrfToken: string
  clientName?: string
}): string {
  const hasClient = input.clientName !== undefined && input.clientName !== ''
  const body = html`<h1>Sign out?</h1>
<p class="lead">${
    hasClient
      ? html`${input.clientName} is asking to sign you out. You will need to sign in again next time.`
      : 'You will need to sign in again to use apps connected to this account.'
  }</p>
<form method="post" action="${input.action}">
${hiddenFields(input.hidden, input.csrfToken)}
<button type="submit" class="block">Sign out</button>
</form>`
  return renderPage({ nonce: input.nonce, title: 'Sign out', body })
}

/**
 * Confirms that the session has ended, shown when no valid `post_logout_redirect_uri` was given.
 *
 * @example renderLoggedOutPage({ nonce })
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
 */
export function renderLoggedOutPage(input: { nonce: string }): string {
  const body = html`<h1>You have been signed out</h1>
<p class="lead">You can close this window now.</p>`
  return renderPage({ nonce: input.nonce, title: 'Signed out', body })
}
