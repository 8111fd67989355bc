import { hiddenFields } from '../form-fields.js'
import { html, type SafeHtml } from '../html.js'
import { DEFAULT_ENVIRONMENT, renderPage, type PageEnvironment } from '../layout.js'

/** One input of an account form. */
export interface AccountField {
  name: string
  label: string
  type: 'text' | 'email' | 'password'
  value?: string
  /** The HTML autofill token: `new-password`, `email`, `given-name` … */
  autocomplete?: string
  required?: boolean
}

/** A form of the account pages: POSTed to `action` with its fields, `hidden` and `csrf_token`. */
export interface AccountForm {
  action: string
  submitLabel: string
  fields?: readonly AccountField[]
  hidden?: Readonly<Record<string, string>>
  /** A destructive action (sign out, disconnect): drawn as a secondary button. */
  secondary?: boolean
}

/** A row of a section's list (a session, an app, a second factor), with at most one action. */
export interface AccountItem {
  label: string
  detail?: string
  /** Marked "this device" / "current". */
  badge?: string
  action?: AccountForm
}

/**
 * One section of the account page. Core sections (profile, password, connected apps, sessions) and those
 * other capabilities register (second factors, linked identities) share this shape: the page knows no
 * section by name.
 */
export interface AccountSectionView {
  /** A stable id: the section's `id` attribute (`sessions`, `two-factor`). */
  id: string
  title: string
  description?: string
  items?: readonly AccountItem[]
  /** Shown when `items` is given and empty. */
  empty?: string
  forms?: readonly AccountForm[]
  links?: readonly { href: string; label: string }[]
}

/** The account page of the signed-in user. */
export interface AccountView {
  userName: string
  csrfToken: string
  /** A confirmation of the last change. */
  notice?: string
  /** Why the last change failed, client-safe text. */
  error?: string
  sections: readonly AccountSectionView[]
  /** Where "Sign out" posts (the logout endpoint), with `hidden`. */
  signOut?: AccountForm
}

/** A page of one message and at most one form: forgot password, new password, registration, e-mail confirmation. */
export interface AccountFormView {
  title: string
  lead?: string
  notice?: string
  error?: string
  csrfToken: string
  form?: AccountForm
  links?: readonly { href: string; label: string }[]
}

function field(input: AccountField, errorId: string | undefined): SafeHtml {
  const id = `field-${input.name}`
  return html`<div class="field">
<label for="${id}">${input.label}</label>
<input id="${id}" name="${input.name}" type="${input.type}" value="${input.value ?? ''}"${input.autocomplete ? html` autocomplete="${input.autocomplete}"` : html``}${input.required === false ? html`` : html` required`}${errorId ? html` aria-describedby="${errorId}"` : html``}>
</div>`
}

function form(input: AccountForm, csrfToken: string, errorId?: string): SafeHtml {
  const names = (input.fields ?? []).map((entry) => entry.name)
  return html`<form method="post" action="${input.action}">
${hiddenFields({ ...input.hidden }, csrfToken, names)}
${(input.fields ?? []).map((entry) => field(entry, errorId))}
<button type="submit"${input.secondary ? html` class="secondary"` : html``}>${input.submitLabel}</button>
</form>`
}

function links(list: readonly { href: string; label: string }[] | undefined): SafeHtml {
  if (!list?.length) return html``
  return html`<p class="links">${list.map((link, index) => html`${index > 0 ? ' · ' : ''}<a href="${link.href}">${link.label}</a>`)}</p>`
}

function section(view: AccountSectionView, csrfToken: string): SafeHtml {
  const items = view.items
  return html`<section id="${view.id}" aria-labelledby="${view.id}-title">
<h2 id="${view.id}-title">${view.title}</h2>
${view.description ? html`<p class="lead">${view.description}</p>` : html``}
${items && items.length === 0 && view.empty ? html`<p class="note">${view.empty}</p>` : html``}
${items && items.length > 0
    ? html`<ul class="items">${items.map((item) => html`<li><span class="account">${item.label}${item.badge ? html` <span class="badge">${item.badge}</span>` : html``}</span>${item.detail ? html`<span class="detail">${item.detail}</span>` : html``}${item.action ? form(item.action, csrfToken) : html``}</li>`)}</ul>`
    : html``}
${(view.forms ?? []).map((entry) => form(entry, csrfToken))}
${links(view.links)}
</section>`
}

/**
 * The account page: who is signed in, a notice or error of the last change, then every section in order.
 * Each form carries the page's `csrf_token`; nothing needs a script.
 *
 * @example renderAccountPage({ nonce, userName: 'Alice', csrfToken, sections: [] })
 */
export function renderAccountPage(input: AccountView & { nonce: string; productName?: string; env?: PageEnvironment | undefined }): string {
  const env = input.env ?? DEFAULT_ENVIRONMENT
  const t = env.t
  const body = html`<h1>${t.text('account.title')}</h1>
<p class="lead">${t.text('account.signedInAs')} <span class="account">${input.userName}</span></p>
${input.notice ? html`<div class="notice" role="status">${input.notice}</div>` : html``}
${input.error ? html`<div class="alert" role="alert">${input.error}</div>` : html``}
${input.sections.map((entry) => section(entry, input.csrfToken))}
${input.signOut ? form(input.signOut, input.csrfToken) : html``}`
  return renderPage({ nonce: input.nonce, title: t.text('account.title'), body, wide: true, env, ...(input.productName ? { productName: input.productName } : {}) })
}

/**
 * A single-purpose account page (forgot password, choose a new password, register, confirm an address):
 * a title, a message, and at most one form.
 *
 * @example renderAccountFormPage({ nonce, title: 'Check your inbox', csrfToken: '' })
 */
export function renderAccountFormPage(input: AccountFormView & { nonce: string; productName?: string; env?: PageEnvironment | undefined }): string {
  const errorId = input.error ? 'account-error' : undefined
  const body = html`<h1>${input.title}</h1>
${input.lead ? html`<p class="lead">${input.lead}</p>` : html``}
${input.notice ? html`<div class="notice" role="status">${input.notice}</div>` : html``}
${input.error ? html`<div id="account-error" class="alert" role="alert">${input.error}</div>` : html``}
${input.form ? form(input.form, input.csrfToken, errorId) : html``}
${links(input.links)}`
  return renderPage({ nonce: input.nonce, title: input.title, body, env: input.env, ...(input.productName ? { productName: input.productName } : {}) })
}
