import { hiddenFields } from '../form-fields.js'
import { html } from '../html.js'
import { DEFAULT_ENVIRONMENT, renderPage, type PageEnvironment } from '../layout.js'

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
  env?: PageEnvironment | undefined
}): string {
  const env = input.env ?? DEFAULT_ENVIRONMENT
  const t = env.t
  const hasClient = input.clientName !== undefined && input.clientName !== ''
  const body = html`<h1>${t.text('logout.heading')}</h1>
<p class="lead">${
    hasClient
      ? t.text('logout.leadClient', { client: input.clientName ?? '' })
      : t.text('logout.lead')
  }</p>
<form method="post" action="${input.action}">
${hiddenFields(input.hidden, input.csrfToken)}
<button type="submit" class="block">${t.text('logout.submit')}</button>
</form>`
  return renderPage({ nonce: input.nonce, title: t.text('logout.title'), body, env })
}

/**
 * Confirms that the session has ended, shown when no valid `post_logout_redirect_uri` was given.
 *
 * @example renderLoggedOutPage({ nonce })
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
 */
export function renderLoggedOutPage(input: { nonce: string; env?: PageEnvironment | undefined }): string {
  const env = input.env ?? DEFAULT_ENVIRONMENT
  const t = env.t
  const body = html`<h1>${t.text('loggedOut.heading')}</h1>
<p class="lead">${t.text('loggedOut.lead')}</p>`
  return renderPage({ nonce: input.nonce, title: t.text('loggedOut.title'), body, env })
}
