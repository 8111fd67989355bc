import { hiddenFields } from '../form-fields.js'
import { html } from '../html.js'
import { renderPage } from '../layout.js'
import type { ScopeDescription } from '../scopes.js'

/**
 * Every user-visible text of the device verification page, in one place (message catalogues take them
 * over). `{client}` is replaced by the escaped client name.
 */
export const DEVICE_PAGE_TEXT = {
  title: 'Connect a device',
  enterHeading: 'Connect a device',
  enterLead: 'Enter the code shown on your device.',
  codeLabel: 'Code',
  continue: 'Continue',
  signedInAs: 'Signed in as',
  confirmHeading: '{client} wants to access your account from a device',
  compare: 'Check that your device shows this code:',
  // RFC 8628 §5.4: the user must be told a device is being authorized, and that it must be theirs.
  phishingWarning: 'Only continue if you started this on a device you own and that is in front of you now. If someone sent you this code or link, choose Deny: approving would give them access to your account.',
  unverified: 'Unverified application: nobody has reviewed it, and its name is only its own claim.',
  willAllow: 'This will allow {client} to:',
  noData: '{client} is asking to sign you in. It will not get access to any of your data.',
  approve: 'Approve',
  deny: 'Deny',
  approvedHeading: 'Device connected',
  approvedBody: 'You can return to your device; it will continue by itself.',
  deniedHeading: 'Request denied',
  deniedBody: 'The device was not given access to your account.',
} as const

const ERROR_ID = 'device-error'

function withClient(text: string): [string, string] {
  const [before = '', after = ''] = text.split('{client}')
  return [before, after]
}

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
}): string {
  const t = DEVICE_PAGE_TEXT
  const clientName = input.clientName ?? ''
  const signedIn = html`<p class="lead">${t.signedInAs} <span class="account">${input.userName}</span></p>`
  if (input.step === 'done') {
    const approved = input.outcome === 'approved'
    const body = html`<h1>${approved ? t.approvedHeading : t.deniedHeading}</h1>
<p id="device-outcome">${approved ? t.approvedBody : t.deniedBody}</p>`
    return renderPage({ nonce: input.nonce, title: t.title, body })
  }
  if (input.step === 'enter') {
    const hasError = input.error !== undefined && input.error !== ''
    const errorAttributes = hasError ? html` aria-invalid="true" aria-describedby="${ERROR_ID}"` : html``
    const body = html`<h1>${t.enterHeading}</h1>
${signedIn}
${hasError && html`<div id="${ERROR_ID}" class="alert" role="alert">${input.error}</div>`}
<form method="post" action="${input.action}">
${hiddenFields({}, input.csrfToken)}
<div class="field">
<label for="user_code">${t.codeLabel}</label>
<p class="note" id="user-code-hint">${t.enterLead}</p>
<input id="user_code" name="user_code" type="text" value="${input.userCode ?? ''}" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" maxlength="32" required aria-describedby="user-code-hint"${errorAttributes} autofocus>
</div>
<button type="submit" class="block">${t.continue}</button>
</form>`
    return renderPage({ nonce: input.nonce, title: t.title, body })
  }
  const [headBefore, headAfter] = withClient(t.confirmHeading)
  const scopes = input.scopes ?? []
  const [allowBefore, allowAfter] = withClient(t.willAllow)
  const [noneBefore, noneAfter] = withClient(t.noData)
  const access = scopes.length > 0
    ? html`<p>${allowBefore}${clientName}${allowAfter}</p>
<ul class="scopes">
${scopes.map((scope) => html`<li>${scope.description}</li>\n`)}</ul>`
    : html`<p>${noneBefore}${clientName}${noneAfter}</p>`
  const body = html`<h1>${headBefore}${clientName}${headAfter}</h1>
${signedIn}
<p>${t.compare}</p>
<p class="account" id="device-user-code">${input.userCode ?? ''}</p>
<div class="alert" id="phishing-warning">${t.phishingWarning}</div>
${input.unverified === true && html`<div class="alert" id="unverified">${t.unverified}</div>`}
${access}
<form method="post" action="${input.action}">
${hiddenFields({ user_code: input.userCode ?? '' }, input.csrfToken, ['decision'])}
<div class="actions">
<button name="decision" value="deny">${t.deny}</button>
<button name="decision" value="approve">${t.approve}</button>
</div>
</form>`
  return renderPage({ nonce: input.nonce, title: t.title, body })
}
