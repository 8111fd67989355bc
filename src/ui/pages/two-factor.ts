import { renderSVG } from 'uqr'
import { hiddenFields } from '../form-fields.js'
import { html, raw, type SafeHtml } from '../html.js'
import { DEFAULT_ENVIRONMENT, renderPage, type PageEnvironment } from '../layout.js'
import { ENGLISH, type Translator } from '../messages/index.js'

const ERROR_ID = 'code-error'

/** A key to add to an authenticator app: the `otpauth://` URI (as a QR code) and its secret as text. */
export interface TotpEnrolmentView {
  uri: string
  secret: string
}

/**
 * The account's two-factor page (`/account/two-factor`): each form POSTs back `step` and `csrf_token` —
 * `reauthenticate` with `password`, `confirm` and `disable` with `code`, `recovery-codes`.
 */
export interface TwoFactorSettingsView {
  action: string
  csrfToken: string
  state: 'password' | 'enrol' | 'enabled' | 'disabled'
  enrolment?: TotpEnrolmentView
  /** New recovery codes, shown this once. */
  recoveryCodes?: readonly string[]
  error?: string
  /** What just happened, announced politely. */
  message?: string
}

function errorBlock(error: string | undefined): SafeHtml {
  return error !== undefined && error !== '' ? html`<div id="${ERROR_ID}" class="alert" role="alert">${error}</div>` : html``
}

/**
 * The QR code as inline SVG (no script, no external image: the strict CSP stays as it is) and, for
 * people who cannot scan, the secret in groups of four.
 */
export function enrolmentBlock(enrolment: TotpEnrolmentView, t: Translator = ENGLISH): SafeHtml {
  // uqr writes only <svg>, <rect> and <path> with numeric attributes from the encoded matrix.
  const svg = renderSVG(enrolment.uri, { border: 1 }).replace('<svg ', html`<svg class="qr" role="img" aria-label="${t.text('totp.qrLabel')}" `.__html)
  const grouped = enrolment.secret.replace(/(.{4})(?=.)/g, '$1 ')
  return html`<p>${t.text('totp.scan')}</p>
${raw(svg)}
<p>${t.text('totp.key')} <code class="secret" id="totp-secret" data-secret="${enrolment.secret}">${grouped}</code></p>`
}

function codeField(error: string | undefined, label: string): SafeHtml {
  const invalid = error !== undefined && error !== '' ? html` aria-invalid="true" aria-describedby="${ERROR_ID}"` : html``
  return html`<div class="field">
<label for="code">${label}</label>
<input id="code" name="code" type="text" inputmode="text" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required autofocus${invalid}>
</div>`
}

/** Recovery codes, shown once: each works one time when the authenticator is lost. */
export function recoveryCodesBlock(codes: readonly string[], t: Translator = ENGLISH): SafeHtml {
  return html`<p>${t.text('totp.recoveryCodes')}</p>
<ol class="recovery-codes" id="recovery-codes">${codes.map((code) => html`<li>${code}</li>`)}</ol>`
}

/**
 * The second step of a sign-in: a code from the authenticator app or a recovery code (field `code`),
 * POSTed to `action`. With `enrolment` the user sets up the app first (policy requires a second factor);
 * with `recoveryCodes` the enrolment is done and `continueUrl` goes on to the application.
 *
 * @example renderSecondFactorPage({ nonce, action: '/interaction/abc/second-factor', hidden: {}, csrfToken, clientName: 'Notes' })
 * @see https://www.rfc-editor.org/rfc/rfc6238
 */
export function renderSecondFactorPage(input: {
  nonce: string
  action: string
  hidden: Record<string, string>
  csrfToken: string
  clientName: string
  enrolment?: TotpEnrolmentView
  recoveryCodes?: readonly string[]
  continueUrl?: string
  error?: string
  passkey?: { action: string; only?: boolean }
  env?: PageEnvironment | undefined
}): string {
  const env = input.env ?? DEFAULT_ENVIRONMENT
  const t = env.t
  if (input.recoveryCodes) {
    const body = html`<h1>${t.text('secondFactor.doneHeading')}</h1>
${recoveryCodesBlock(input.recoveryCodes, t)}
<p><a class="button" id="continue" href="${input.continueUrl ?? '/'}">${t.text('secondFactor.continueTo', { client: input.clientName })}</a></p>`
    return renderPage({ nonce: input.nonce, title: t.text('secondFactor.doneTitle'), body, env })
  }
  if (input.passkey?.only) {
    // No TOTP to ask for: the passkey is this user's one second factor.
    const body = html`<h1>${t.text('secondFactor.heading')}</h1>
<p class="lead">${t.text('passkey.secondFactorLead', { client: input.clientName })}</p>
${errorBlock(input.error)}
<form method="post" action="${input.passkey.action}">
${hiddenFields({}, input.csrfToken)}
<button type="submit" class="block">${t.text('passkey.use')}</button>
</form>`
    return renderPage({ nonce: input.nonce, title: t.text('secondFactor.title'), body, env })
  }
  const body = input.enrolment
    ? html`<h1>${t.text('secondFactor.enrolHeading')}</h1>
<p class="lead">${t.text('secondFactor.enrolLead', { client: input.clientName })}</p>
${errorBlock(input.error)}
${enrolmentBlock(input.enrolment, t)}
<form method="post" action="${input.action}">
${hiddenFields(input.hidden, input.csrfToken, ['code'])}
${codeField(input.error, t.text('secondFactor.appCodeLabel'))}
<button type="submit" class="block">${t.text('secondFactor.enrolSubmit')}</button>
</form>`
    : html`<h1>${t.text('secondFactor.heading')}</h1>
<p class="lead">${t.text('secondFactor.lead', { client: input.clientName })}</p>
${errorBlock(input.error)}
<form method="post" action="${input.action}">
${hiddenFields(input.hidden, input.csrfToken, ['code'])}
${codeField(input.error, t.text('secondFactor.codeLabel'))}
<button type="submit" class="block">${t.text('secondFactor.verify')}</button>
</form>
<p class="note">${t.text('secondFactor.recoveryHint')}</p>${input.passkey ? passkeyChoice(input.passkey.action, input.csrfToken, t) : html``}`
  return renderPage({ nonce: input.nonce, title: t.text('secondFactor.title'), body, env })
}

/** The passkey as the other second factor, one small form (src/server/passkeys/ shows the WebAuthn step). */
function passkeyChoice(action: string, csrfToken: string, t: Translator): SafeHtml {
  return html`
<section class="alternatives" aria-label="${t.text('secondFactor.alternatives')}">
<p class="separator">${t.text('login.or')}</p>
<form method="post" action="${action}">
${hiddenFields({}, csrfToken)}
<button type="submit" class="block secondary">${t.text('passkey.use')}</button>
</form>
</section>`
}

/**
 * The account page of the second factor: `password` when the session is too old (re-enter it first),
 * `enrol` (QR code and a confirming code), `enabled` (turn it off with a code or the password, or get new
 * recovery codes), and `recoveryCodes` right after they were made. Every form POSTs `action` with `step`.
 *
 * @example renderTwoFactorSettingsPage({ nonce, action: '/account/two-factor', csrfToken, state: 'password' })
 */
export function renderTwoFactorSettingsPage(input: TwoFactorSettingsView & { nonce: string; env?: PageEnvironment | undefined }): string {
  const env = input.env ?? DEFAULT_ENVIRONMENT
  const t = env.t
  const hidden = (step: string): SafeHtml => hiddenFields({ step }, input.csrfToken, ['code', 'password'])
  const notice = input.message !== undefined ? html`<p role="status">${input.message}</p>` : html``
  let content: SafeHtml
  switch (input.state) {
    case 'password':
      content = html`<p class="lead">${t.text('twoFactor.passwordLead')}</p>
${errorBlock(input.error)}
<form method="post" action="${input.action}">
${hidden('reauthenticate')}
<div class="field">
<label for="password">${t.text('twoFactor.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
</div>
<button type="submit" class="block">${t.text('twoFactor.continue')}</button>
</form>`
      break
    case 'enrol':
      content = html`${errorBlock(input.error)}
${input.enrolment ? enrolmentBlock(input.enrolment, t) : html``}
<form method="post" action="${input.action}">
${hidden('confirm')}
${codeField(input.error, t.text('secondFactor.appCodeLabel'))}
<button type="submit" class="block">${t.text('twoFactor.turnOn')}</button>
</form>`
      break
    case 'enabled':
      content = html`${notice}
${input.recoveryCodes ? recoveryCodesBlock(input.recoveryCodes, t) : html`<p>${t.text('twoFactor.isOn')}</p>`}
${errorBlock(input.error)}
<form method="post" action="${input.action}">
${hidden('recovery-codes')}
<button type="submit" class="block secondary">${t.text('twoFactor.newCodes')}</button>
</form>
<form method="post" action="${input.action}">
${hidden('disable')}
${codeField(input.recoveryCodes ? undefined : input.error, t.text('twoFactor.disableCodeLabel'))}
<button type="submit" class="block secondary">${t.text('twoFactor.turnOff')}</button>
</form>`
      break
    case 'disabled':
      content = html`${notice}<p>${t.text('twoFactor.isOff')}</p>`
      break
  }
  return renderPage({ nonce: input.nonce, title: t.text('twoFactor.title'), body: html`<h1>${t.text('twoFactor.title')}</h1>\n${content}`, env })
}
