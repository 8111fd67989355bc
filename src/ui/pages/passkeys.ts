import { hiddenFields } from '../form-fields.js'
import { html, type SafeHtml } from '../html.js'
import { renderPage } from '../layout.js'

/** Every user-visible string of the passkey pages, in one place for the message catalogues. */
export const PASSKEY_TEXT = {
  signInTitle: 'Sign in with a passkey',
  signInLead: (clientName: string) => `Use the passkey saved on this device or on your phone to continue to ${clientName}.`,
  secondFactorTitle: 'Confirm with your passkey',
  secondFactorLead: (clientName: string) => `Use your passkey to continue to ${clientName}.`,
  usePasskey: 'Use a passkey',
  needsJavaScript: 'Passkeys need JavaScript in this browser. Go back to sign in another way.',
  cancelled: 'No passkey was used. Try again, or go back to sign in another way.',
  back: 'Other ways to sign in',
  settingsTitle: 'Passkeys',
  settingsLead: 'A passkey signs you in with your device’s screen lock instead of your password.',
  reauthenticateLead: 'Enter your password again to change your passkeys.',
  password: 'Password',
  continue: 'Continue',
  none: 'No passkeys yet.',
  name: 'Name of the new passkey',
  add: 'Add a passkey',
  rename: 'Rename',
  newName: (name: string) => `New name for ${name}`,
  remove: 'Remove',
  backToAccount: 'Back to your account',
} as const

const ERROR_ID = 'passkey-error'

/** One passkey as the account page lists it. */
export interface PasskeyItemView {
  /** The credential id (base64url): what the rename and remove forms post as `credential_id`. */
  id: string
  name: string
  /** "Added …, last used …, synced". */
  detail: string
}

/**
 * The WebAuthn step of a sign-in: a form that the passkey script (`scriptUrl`) turns into
 * `navigator.credentials.get(options)` and posts to `action` with the result in `credential`.
 */
export interface PasskeySignInView {
  action: string
  csrfToken: string
  clientName: string
  /** `PublicKeyCredentialRequestOptionsJSON`, as JSON. */
  options: string
  scriptUrl: string
  /** Signing in without a password, or the second step after one. */
  mode: 'sign-in' | 'second-factor'
  /** The login or second-step page, to sign in another way. */
  backUrl: string
  error?: string
}

/**
 * The account's passkeys (`/account/passkeys`): `password` when the session is too old, else the list
 * (rename, remove) and a form that registers a new one. Every form posts `step` and `csrf_token`.
 */
export interface PasskeySettingsView {
  action: string
  csrfToken: string
  state: 'password' | 'list'
  passkeys?: readonly PasskeyItemView[]
  /** `PublicKeyCredentialCreationOptionsJSON`, as JSON, for the "Add a passkey" form. */
  options?: string
  scriptUrl: string
  accountUrl?: string
  error?: string
  /** What just happened, announced politely. */
  message?: string
}

function errorBlock(error: string | undefined): SafeHtml {
  return error !== undefined && error !== '' ? html`<div id="${ERROR_ID}" class="alert" role="alert">${error}</div>` : html``
}

function ceremonyScript(nonce: string, scriptUrl: string): SafeHtml {
  return html`<p id="passkey-status" role="status"></p>
<noscript><p class="note">${PASSKEY_TEXT.needsJavaScript}</p></noscript>
<script src="${scriptUrl}" nonce="${nonce}"></script>`
}

/**
 * The sign-in page's passkey step (discoverable credential, or the user's own as a second factor).
 *
 * @example renderPasskeySignInPage({ nonce, action, csrfToken, clientName: 'Notes', options, scriptUrl, mode: 'sign-in', backUrl })
 * @see https://www.w3.org/TR/webauthn-3/#sctn-getAssertion
 */
export function renderPasskeySignInPage(input: PasskeySignInView & { nonce: string }): string {
  const title = input.mode === 'sign-in' ? PASSKEY_TEXT.signInTitle : PASSKEY_TEXT.secondFactorTitle
  const lead = input.mode === 'sign-in' ? PASSKEY_TEXT.signInLead(input.clientName) : PASSKEY_TEXT.secondFactorLead(input.clientName)
  const body = html`<h1>${title}</h1>
<p class="lead">${lead}</p>
${errorBlock(input.error)}
<form method="post" action="${input.action}" data-webauthn="get" data-options="${input.options}" data-cancelled="${PASSKEY_TEXT.cancelled}">
${hiddenFields({}, input.csrfToken)}
<input type="hidden" name="credential" value="">
<button type="submit" class="block"${input.error ? html` aria-describedby="${ERROR_ID}"` : html``}>${PASSKEY_TEXT.usePasskey}</button>
</form>
<p class="links"><a href="${input.backUrl}">${PASSKEY_TEXT.back}</a></p>
${ceremonyScript(input.nonce, input.scriptUrl)}`
  return renderPage({ nonce: input.nonce, title, body })
}

/**
 * The account's passkeys: list, rename, remove, add (WebAuthn registration through the passkey script).
 *
 * @example renderPasskeySettingsPage({ nonce, action: '/account/passkeys', csrfToken, state: 'password', scriptUrl })
 * @see https://www.w3.org/TR/webauthn-3/#sctn-createCredential
 */
export function renderPasskeySettingsPage(input: PasskeySettingsView & { nonce: string }): string {
  const hidden = (step: string, extra: Record<string, string> = {}): SafeHtml => hiddenFields({ ...extra, step }, input.csrfToken, ['credential', 'name', 'password'])
  const notice = input.message !== undefined ? html`<p role="status">${input.message}</p>` : html``
  let content: SafeHtml
  if (input.state === 'password') {
    content = html`<p class="lead">${PASSKEY_TEXT.reauthenticateLead}</p>
${errorBlock(input.error)}
<form method="post" action="${input.action}">
${hidden('reauthenticate')}
<div class="field">
<label for="password">${PASSKEY_TEXT.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
</div>
<button type="submit" class="block">${PASSKEY_TEXT.continue}</button>
</form>`
  } else {
    const passkeys = input.passkeys ?? []
    const list = passkeys.length === 0
      ? html`<p>${PASSKEY_TEXT.none}</p>`
      : html`<ul class="items">${passkeys.map((passkey, index) => html`<li>
<p><strong>${passkey.name}</strong><br><span class="note">${passkey.detail}</span></p>
<form method="post" action="${input.action}">
${hidden('rename', { credential_id: passkey.id })}
<div class="field">
<label for="rename-${String(index)}">${PASSKEY_TEXT.newName(passkey.name)}</label>
<input id="rename-${String(index)}" name="name" type="text" maxlength="64" required value="${passkey.name}">
</div>
<button type="submit" class="secondary">${PASSKEY_TEXT.rename}</button>
</form>
<form method="post" action="${input.action}">
${hidden('delete', { credential_id: passkey.id })}
<button type="submit" class="secondary">${PASSKEY_TEXT.remove} ${passkey.name}</button>
</form>
</li>`)}</ul>`
    content = html`${notice}
${errorBlock(input.error)}
<p class="lead">${PASSKEY_TEXT.settingsLead}</p>
${list}
${input.options !== undefined
  ? html`<form method="post" action="${input.action}" data-webauthn="create" data-options="${input.options}" data-cancelled="${PASSKEY_TEXT.cancelled}">
${hidden('register')}
<input type="hidden" name="credential" value="">
<div class="field">
<label for="passkey-name">${PASSKEY_TEXT.name}</label>
<input id="passkey-name" name="name" type="text" maxlength="64" value="Passkey" required>
</div>
<button type="submit" class="block">${PASSKEY_TEXT.add}</button>
</form>
${ceremonyScript(input.nonce, input.scriptUrl)}`
  : html``}`
  }
  const back = input.accountUrl ? html`\n<p class="links"><a href="${input.accountUrl}">${PASSKEY_TEXT.backToAccount}</a></p>` : html``
  return renderPage({ nonce: input.nonce, title: PASSKEY_TEXT.settingsTitle, body: html`<h1>${PASSKEY_TEXT.settingsTitle}</h1>\n${content}${back}` })
}
