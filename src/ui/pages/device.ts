import { hiddenFields } from '../form-fields.js'
import { html } from '../html.js'
import { DEFAULT_ENVIRONMENT, renderPage, type PageEnvironment } from '../layout.js'
import type { ScopeDescription } from '../scopes.js'

const ERROR_ID = 'device-error'

/**
 * The verification page of the device flow (RFC 8628 §3.3) in its three steps: `enter` (the `user_code`
 * field, prefilled from `verification_uri_complete`), `confirm` (the client, its scopes, the code to
 * compare with the device, the §5.4 warning, Approve/Deny posting `decision=approve|deny`), and `done`.
 *
 * @example renderDevicePage({ nonce, step: 'enter', action: '/device', csrfToken, userName: 'ada', userCode: 'WDJB-MJHT' })
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.4
 */
export function renderDevicePage(input: {
  nonce: string
  step: 'enter' | 'confirm' | 'done'
  action: string
  csrfToken: string
  userName: string
  userCode?: string | undefined
  error?: string | undefined
  clientName?: string | undefined
  scopes?: ScopeDescription[] | undefined
  unverified?: boolean | undefined
  outcome?: 'approved' | 'denied' | undefined
  env?: PageEnvironment | undefined
}): string {
  const env = input.env ?? DEFAULT_ENVIRONMENT
  const t = env.t
  const clientName = input.clientName ?? ''
  const signedIn = html`<p class="lead">${t.text('device.signedInAs')} <span class="account">${input.userName}</span></p>`
  if (input.step === 'done') {
    const approved = input.outcome === 'approved'
    const body = html`<h1>${approved ? t.text('device.approvedHeading') : t.text('device.deniedHeading')}</h1>
<p id="device-outcome">${approved ? t.text('device.approvedBody') : t.text('device.deniedBody')}</p>`
    return renderPage({ nonce: input.nonce, title: t.text('device.title'), body, env })
  }
  if (input.step === 'enter') {
    const hasError = input.error !== undefined && input.error !== ''
    const errorAttributes = hasError ? html` aria-invalid="true" aria-describedby="${ERROR_ID}"` : html``
    const body = html`<h1>${t.text('device.enterHeading')}</h1>
${signedIn}
${hasError && html`<div id="${ERROR_ID}" class="alert" role="alert">${input.error}</div>`}
<form method="post" action="${input.action}">
${hiddenFields({}, input.csrfToken)}
<div class="field">
<label for="user_code">${t.text('device.codeLabel')}</label>
<p class="note" id="user-code-hint">${t.text('device.enterLead')}</p>
<input id="user_code" name="user_code" type="text" value="${input.userCode ?? ''}" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" maxlength="32" required aria-describedby="user-code-hint"${errorAttributes} autofocus>
</div>
<button type="submit" class="block">${t.text('device.continue')}</button>
</form>`
    return renderPage({ nonce: input.nonce, title: t.text('device.title'), body, env })
  }
  const scopes = input.scopes ?? []
  const access = scopes.length > 0
    ? html`<p>${t.text('device.willAllow', { client: clientName })}</p>
<ul class="scopes">
${scopes.map((scope) => html`<li>${scope.description}</li>\n`)}</ul>`
    : html`<p>${t.text('device.noData', { client: clientName })}</p>`
  const body = html`<h1>${t.text('device.confirmHeading', { client: clientName })}</h1>
${signedIn}
<p>${t.text('device.compare')}</p>
<p class="account" id="device-user-code">${input.userCode ?? ''}</p>
<div class="alert" id="phishing-warning">${t.text('device.phishingWarning')}</div>
${input.unverified === true && html`<div class="alert" id="unverified">${t.text('device.unverified')}</div>`}
${access}
<form method="post" action="${input.action}">
${hiddenFields({ user_code: input.userCode ?? '' }, input.csrfToken, ['decision'])}
<div class="actions">
<button name="decision" value="deny">${t.text('device.deny')}</button>
<button name="decision" value="approve">${t.text('device.approve')}</button>
</div>
</form>`
  return renderPage({ nonce: input.nonce, title: t.text('device.title'), body, env })
}
