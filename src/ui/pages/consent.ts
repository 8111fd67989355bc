import { hiddenFields } from '../form-fields.js'
import { html } from '../html.js'
import { renderPage } from '../layout.js'
import type { ScopeDescription } from '../scopes.js'

/**
 * The consent prompt: what `clientName` asks for, in plain words, with Allow and Deny as two submit buttons of
 * one form (`decision=allow|deny`), POSTed to `action` with `hidden` and `csrf_token`.
 *
 * @example renderConsentPage({ nonce, action, hidden: {}, csrfToken, clientName: 'Notes', userName: 'ada', scopes: describeScopes(['openid'], {}) })
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.2 (the resource owner must be told which client asks)
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Consent
 */
export function renderConsentPage(input: {
  nonce: string
  action: string
  hidden: Record<string, string>
  csrfToken: string
  clientName: string
  userName: string
  scopes: ScopeDescription[]
}): string {
  const access =
    input.scopes.length > 0
      ? html`<p>This will allow ${input.clientName} to:</p>
<ul class="scopes">
${input.scopes.map((scope) => html`<li>${scope.description}</li>\n`)}</ul>`
      : html`<p>${input.clientName} is asking to sign you in. It will not get access to any of your data.</p>`
  const body = html`<h1>${input.clientName} wants to access your account</h1>
<p class="lead">Signed in as <span class="account">${input.userName}</span></p>
${access}
<form method="post" action="${input.action}">
${hiddenFields(input.hidden, input.csrfToken, ['decision'])}
<div class="actions">
<button name="decision" value="deny">Deny</button>
<button name="decision" value="allow">Allow</button>
</div>
</form>
<p class="note">${input.clientName} will never see your password.</p>`
  return renderPage({ nonce: input.nonce, title: 'Allow access', body })
}
