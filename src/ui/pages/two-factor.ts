import { renderSVG } from 'uqr'
import { hiddenFields } from '../form-fields.js'
import { html, raw, type SafeHtml } from '../html.js'
import { renderPage } from '../layout.js'

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
export function enrolmentBlock(enrolment: TotpEnrolmentView): SafeHtml {
  // uqr writes only <svg>, <rect> and <path> with numeric attributes from the encoded matrix.
  const svg = renderSVG(enrolment.uri, { border: 1 }).replace('<svg ', '<svg class="qr" role="img" aria-label="QR code of the key" ')
  const grouped = enrolment.secret.replace(/(.{4})(?=.)/g, '$1 ')
  return html`<p>Scan this code with an authenticator app, or enter the key by hand.</p>
${raw(svg)}
<p>Key: <code class="secret" id="totp-secret" data-secret="${enrolment.secret}">${grouped}</code></p>`
}

function codeField(error: string | undefined, label: string): SafeHtml {
  const invalid = error !== undefined && error !== '' ? html` aria-invalid="true" aria-describedby="${ERROR_ID}"` : html``
  return html`<div class="field">
<label for="code">${label}</label>
<input id="code" name="code" type="text" inputmode="text" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required autofocus${invalid}>
</div>`
}

/** Recovery codes, shown once: each works one time when the authenticator is lost. */
export function recoveryCodesBlock(codes: readonly string[]): SafeHtml {
  return html`<p>Save these recovery codes somewhere safe. Each works once if you lose your authenticator; they are not shown again.</p>
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
}): string {
  if (input.recoveryCodes) {
    const body = html`<h1>Two-factor authentication is on</h1>
${recoveryCodesBlock(input.recoveryCodes)}
<p><a class="button" id="continue" href="${input.continueUrl ?? '/'}">Continue to ${input.clientName}</a></p>`
    return renderPage({ nonce: input.nonce, title: 'Recovery codes', body })
  }
  if (input.passkey?.only) {
    // No TOTP to ask for: the passkey is this user's one second factor.
    const body = html`<h1>Two-factor authentication</h1>
<p class="lead">Use your passkey to continue to ${input.clientName}.</p>
${errorBlock(input.error)}
<form method="post" action="${input.passkey.action}">
${hiddenFields({}, input.csrfToken)}
<button type="submit" class="block">Use a passkey</button>
</form>`
    return renderPage({ nonce: input.nonce, title: 'Two-factor authentication', body })
  }
  const body = input.enrolment
    ? html`<h1>Set up two-factor authentication</h1>
<p class="lead">${input.clientName} needs a second factor for your account.</p>
${errorBlock(input.error)}
${enrolmentBlock(input.enrolment)}
<form method="post" action="${input.action}">
${hiddenFields(input.hidden, input.csrfToken, ['code'])}
${codeField(input.error, 'Code from the app')}
<button type="submit" class="block">Turn on and continue</button>
</form>`
    : html`<h1>Two-factor authentication</h1>
<p class="lead">Enter the code from your authenticator app to continue to ${input.clientName}.</p>
${errorBlock(input.error)}
<form method="post" action="${input.action}">
${hiddenFields(input.hidden, input.csrfToken, ['code'])}
${codeField(input.error, 'Authentication code')}
<button type="submit" class="block">Verify</button>
</form>
<p class="note">Lost your device? Enter one of your recovery codes in the same field.</p>${input.passkey ? passkeyChoice(input.passkey.action, input.csrfToken) : html``}`
  return renderPage({ nonce: input.nonce, title: 'Two-factor authentication', body })
}

/** The passkey as the other second factor, one small form (src/server/passkeys/ shows the WebAuthn step). */
function passkeyChoice(action: string, csrfToken: string): SafeHtml {
  return html`
<section class="alternatives" aria-label="Other ways to confirm">
<p class="separator">or</p>
<form method="post" action="${action}">
${hiddenFields({}, csrfToken)}
<button type="submit" class="block secondary">Use a passkey</button>
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
export function renderTwoFactorSettingsPage(input: TwoFactorSettingsView & { nonce: string }): string {
  const hidden = (step: string): SafeHtml => hiddenFields({ step }, input.csrfToken, ['code', 'password'])
  const notice = input.message !== undefined ? html`<p role="status">${input.message}</p>` : html``
  let content: SafeHtml
  switch (input.state) {
    case 'password':
      content = html`<p class="lead">Enter your password again to change two-factor authentication.</p>
${errorBlock(input.error)}
<form method="post" action="${input.action}">
${hidden('reauthenticate')}
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
</div>
<button type="submit" class="block">Continue</button>
</form>`
      break
    case 'enrol':
      content = html`${errorBlock(input.error)}
${input.enrolment ? enrolmentBlock(input.enrolment) : html``}
<form method="post" action="${input.action}">
${hidden('confirm')}
${codeField(input.error, 'Code from the app')}
<button type="submit" class="block">Turn on</button>
</form>`
      break
    case 'enabled':
      content = html`${notice}
${input.recoveryCodes ? recoveryCodesBlock(input.recoveryCodes) : html`<p>Two-factor authentication is on.</p>`}
${errorBlock(input.error)}
<form method="post" action="${input.action}">
${hidden('recovery-codes')}
<button type="submit" class="block secondary">New recovery codes</button>
</form>
<form method="post" action="${input.action}">
${hidden('disable')}
${codeField(input.recoveryCodes ? undefined : input.error, 'Code from the app, to turn it off')}
<button type="submit" class="block secondary">Turn off</button>
</form>`
      break
    case 'disabled':
      content = html`${notice}<p>Two-factor authentication is off.</p>`
      break
  }
  return renderPage({ nonce: input.nonce, title: 'Two-factor authentication', body: html`<h1>Two-factor authentication</h1>\n${content}` })
}
