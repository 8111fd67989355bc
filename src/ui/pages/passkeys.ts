import { hiddenFields } from '../form-fields.js'
import { html, type SafeHtml } from '../html.js'
import { DEFAULT_ENVIRONMENT, renderPage, type PageEnvironment } from '../layout.js'
import type { Translator } from '../messages/index.js'

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

function ceremonyScript(nonce: string, scriptUrl: string, t: Translator): SafeHtml {
  return html`<p id="passkey-status" role="status"></p>
<noscript><p class="note">${t.text('passkey.needsJavaScript')}</p></noscript>
<script src="${scriptUrl}" nonce="${nonce}"></script>`
}

/**
 * The sign-in page's passkey step (discoverable credential, or the user's own as a second factor).
 *
 * @example renderPasskeySignInPage({ nonce, action, csrfToken, clientName: 'Notes', options, scriptUrl, mode: 'sign-in', backUrl })
 * @see https://www.w3.org/TR/webauthn-3/#sctn-getAssertion
 */
export function renderPasskeySignInPage(input: PasskeySignInView & { nonce: string; env?: PageEnvironment | undefined }): string {
  const env = input.env ?? DEFAULT_ENVIRONMENT
  const t = env.t
  const title = input.mode === 'sign-in' ? t.text('passkey.signInTitle') : t.text('passkey.secondFactorTitle')
  const lead = t.text(input.mode === 'sign-in' ? 'passkey.signInLead' : 'passkey.secondFactorLead', { client: input.clientName })
  const body = html`<h1>${title}</h1>
<p class="lead">${lead}</p>
${errorBlock(input.error)}
<form method="post" action="${input.action}" data-webauthn="get" data-options="${input.options}" data-cancelled="${t.text('passkey.cancelled')}">
${hiddenFields({}, input.csrfToken)}
<input type="hidden" name="credential" value="">
<button type="submit" class="block"${input.error ? html` aria-describedby="${ERROR_ID}"` : html``}>${t.text('passkey.use')}</button>
</form>
<p class="links"><a href="${input.backUrl}">${t.text('passkey.back')}</a></p>
${ceremonyScript(input.nonce, input.scriptUrl, t)}`
  return renderPage({ nonce: input.nonce, title, body, env })
}

/**
 * The account's passkeys: list, rename, remove, add (WebAuthn registration through the passkey script).
 *
 * @example renderPasskeySettingsPage({ nonce, action: '/account/passkeys', csrfToken, state: 'password', scriptUrl })
 * @see https://www.w3.org/TR/webauthn-3/#sctn-createCredential
 */
export function renderPasskeySettingsPage(input: PasskeySettingsView & { nonce: string; env?: PageEnvironment | undefined }): string {
  const env = input.env ?? DEFAULT_ENVIRONMENT
  const t = env.t
  const hidden = (step: string, extra: Record<string, string> = {}): SafeHtml => hiddenFields({ ...extra, step }, input.csrfToken, ['credential', 'name', 'password'])
  const notice = input.message !== undefined ? html`<p role="status">${input.message}</p>` : html``
  let content: SafeHtml
  if (input.state === 'password') {
    content = html`<p class="lead">${t.text('passkey.reauthenticateLead')}</p>
${errorBlock(input.error)}
<form method="post" action="${input.action}">
${hidden('reauthenticate')}
<div class="field">
<label for="password">${t.text('passkey.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
</div>
<button type="submit" class="block">${t.text('passkey.continue')}</button>
</form>`
  } else {
    const passkeys = input.passkeys ?? []
    const list = passkeys.length === 0
      ? html`<p>${t.text('passkey.none')}</p>`
      : html`<ul class="items">${passkeys.map((passkey, index) => html`<li>
<p><strong>${passkey.name}</strong><br><span class="note">${passkey.detail}</span></p>
<form method="post" action="${input.action}">
${hidden('rename', { credential_id: passkey.id })}
<div class="field">
<label for="rename-${String(index)}">${t.text('passkey.newName', { name: passkey.name })}</label>
<input id="rename-${String(index)}" name="name" type="text" maxlength="64" required value="${passkey.name}">
</div>
<button type="submit" class="secondary">${t.text('passkey.rename')}</button>
</form>
<form method="post" action="${input.action}">
${hidden('delete', { credential_id: passkey.id })}
<button type="submit" class="secondary">${t.text('passkey.remove', { name: passkey.name })}</button>
</form>
</li>`)}</ul>`
    content = html`${notice}
${errorBlock(input.error)}
<p class="lead">${t.text('passkey.settingsLead')}</p>
${list}
${input.options !== undefined
  ? html`<form method="post" action="${input.action}" data-webauthn="create" data-options="${input.options}" data-cancelled="${t.text('passkey.cancelled')}">
${hidden('register')}
<input type="hidden" name="credential" value="">
<div class="field">
<label for="passkey-name">${t.text('passkey.name')}</label>
<input id="passkey-name" name="name" type="text" maxlength="64" value="${t.text('passkey.defaultName')}" required>
</div>
<button type="submit" class="block">${t.text('passkey.add')}</button>
</form>
${ceremonyScript(input.nonce, input.scriptUrl, t)}`
  : html``}`
  }
  const back = input.accountUrl ? html`\n<p class="links"><a href="${input.accountUrl}">${t.text('passkey.backToAccount')}</a></p>` : html``
  return renderPage({ nonce: input.nonce, title: t.text('passkey.settingsTitle'), body: html`<h1>${t.text('passkey.settingsTitle')}</h1>\n${content}${back}`, env })
}
