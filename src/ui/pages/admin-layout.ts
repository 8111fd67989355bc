import { hiddenFields } from '../form-fields.js'
import { html, type SafeHtml } from '../html.js'
import { DEFAULT_ENVIRONMENT, documentHead, type PageEnvironment } from '../layout.js'
import { PAGE_STYLES } from '../styles.js'
import { themeStyles } from '../theme.js'
import { ADMIN_USER_STYLES } from './admin-users.js'

/*
 * The admin console's frame and the building blocks its pages are made of: the login pages' design language
 * (their stylesheet, colours and focus rings) on a wider canvas with a navigation, tables and forms. Every
 * value is escaped by `html`; no URL a client or user supplied is ever rendered as a link.
 */

const ADMIN_STYLES = `
body { justify-content: flex-start; }
main.console { max-width: 72rem; }
.console-head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 0.75rem; margin: 0 0 1rem; }
.console-head .brand { margin: 0; }
.console-head form { margin: 0; display: flex; align-items: center; gap: 0.75rem; }
.console-nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; margin: 0 0 1.5rem; padding: 0 0 0.75rem; border-bottom: 1px solid var(--border); }
.console-nav a { display: inline-block; padding: 0.25rem 0; font-weight: 600; text-decoration: none; }
.console-nav a[aria-current="page"] { text-decoration: underline; text-underline-offset: 0.3em; text-decoration-thickness: 2px; }
table { width: 100%; border-collapse: collapse; margin: 1rem 0 0; font-size: 0.9375rem; }
caption { text-align: left; font-weight: 600; margin: 0 0 0.5rem; }
th, td { text-align: left; vertical-align: top; padding: 0.5rem 0.5rem 0.5rem 0; border-bottom: 1px solid var(--border); }
th { font-weight: 650; }
dl { display: grid; grid-template-columns: minmax(8rem, 14rem) 1fr; gap: 0.5rem 1rem; margin: 1rem 0 0; }
dt { font-weight: 600; }
dd { margin: 0; }
textarea, select, input[type="number"], input[type="datetime-local"] {
  display: block; width: 100%; min-height: 2.75rem; padding: 0.5rem 0.75rem; font: inherit; color: var(--text);
  background: var(--card); border: 1px solid var(--control); border-radius: 0.5rem;
}
textarea { min-height: 6rem; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
fieldset { margin: 0 0 1rem; padding: 0.5rem 0.75rem; border: 1px solid var(--border); border-radius: 0.5rem; }
legend { font-weight: 600; font-size: 0.9375rem; padding: 0 0.25rem; }
fieldset label { display: flex; align-items: center; gap: 0.5rem; font-weight: 400; margin: 0.25rem 0; }
.hint { display: block; margin: 0.25rem 0 0; font-size: 0.875rem; color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 0.75rem; margin: 1rem 0 0; }
.filters .field { margin: 0; flex: 1 1 10rem; }
.row { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem; margin: 1rem 0 0; }
.row form { margin: 0; }
a.button { display: inline-flex; align-items: center; min-height: 2.75rem; padding: 0.5rem 1.25rem; border: 1px solid var(--control); border-radius: 0.5rem; font-weight: 600; text-decoration: none; color: var(--text); }
button.danger { background: var(--error-text); border-color: var(--error-text); color: var(--card); }
.secret-box { display: flex; gap: 0.5rem; align-items: stretch; }
.secret-box input { flex: 1 1 auto; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.875rem; }
pre.mono { white-space: pre-wrap; margin: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
`

/** A navigation entry of the console. */
export interface AdminNavItem {
  label: string
  href: string
  current: boolean
}

/** A console page as the frame sends it: the page's body under its `<h1>`, in the console's frame. */
export interface AdminPageView {
  title: string
  body: SafeHtml
  /** The signed-in admin: name and sign-out form; absent on the pages shown before or without sign-in. */
  admin?: { name: string; signOutAction: string; csrfToken: string }
  nav?: readonly AdminNavItem[]
  /** The console's script (copy buttons), loaded with the page's nonce; every page works without it. */
  scriptUrl?: string
  productName?: string
}

/**
 * The whole HTML document of a console page.
 *
 * @example renderAdminPage({ title: 'Clients', body: html`…`, nav }, nonce, env)
 */
export function renderAdminPage(view: AdminPageView, nonce: string, env: PageEnvironment = DEFAULT_ENVIRONMENT): string {
  const productName = view.productName ?? env.theme?.productName ?? 'Tessera'
  const admin = view.admin
  const head = html`<header class="console-head">
<p class="brand">${productName} · admin console</p>
${admin ? html`<form method="post" action="${admin.signOutAction}"><span>Signed in as <strong>${admin.name}</strong></span><input type="hidden" name="csrf_token" value="${admin.csrfToken}"><button type="submit" class="secondary">Sign out</button></form>` : html``}
</header>`
  const nav = view.nav && view.nav.length > 0
    ? html`<nav class="console-nav" aria-label="Console sections"><ul>${view.nav.map((item) => html`<li><a href="${item.href}"${item.current ? html` aria-current="page"` : html``}>${item.label}</a></li>`)}</ul></nav>`
    : html``
  const script = view.scriptUrl ? html`\n<script src="${view.scriptUrl}" nonce="${nonce}" defer></script>` : html``
  const page = html`${documentHead({ locale: env.t.locale, title: `${view.title} · ${productName} admin`, nonce, styles: PAGE_STYLES + themeStyles(env.theme) + ADMIN_STYLES + ADMIN_USER_STYLES })}${script}
</head>
<body>
<main class="console">
${head}
${nav}
<h1>${view.title}</h1>
${view.body}
</main>
</body>
</html>
`
  return page.__html
}

/** A confirmation of the last change (fixed texts only). */
export function adminNotice(text: string | undefined): SafeHtml {
  return text ? html`<div class="notice" role="status">${text}</div>` : html``
}

/** Why the last action failed: the admin API's problem, in words. */
export function adminAlert(text: string | undefined): SafeHtml {
  return text ? html`<div class="alert" role="alert">${text}</div>` : html``
}

/** A table with column headers; cells are text or markup made with `html`. */
export function adminTable(input: { caption: string; columns: readonly string[]; rows: readonly (readonly (string | SafeHtml)[])[]; empty: string }): SafeHtml {
  if (input.rows.length === 0) return html`<p class="note">${input.empty}</p>`
  return html`<table>
<caption>${input.caption}</caption>
<thead><tr>${input.columns.map((column) => html`<th scope="col">${column}</th>`)}</tr></thead>
<tbody>${input.rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`)}</tbody>
</table>`
}

/** Name–value pairs of one object. */
export function adminDetails(entries: readonly (readonly [string, string | SafeHtml])[]): SafeHtml {
  return html`<dl>${entries.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>`
}

/** A link to the next page of a list (the API's cursor) and back to the first. */
export function adminPager(input: { next?: string | undefined; first?: string | undefined }): SafeHtml {
  if (!input.next && !input.first) return html``
  return html`<nav class="row" aria-label="Pages">${input.first ? html`<a href="${input.first}">First page</a>` : html``}${input.next ? html`<a href="${input.next}" rel="next">Next page</a>` : html``}</nav>`
}

/** One input of a console form. */
export type AdminField =
  | { kind: 'text' | 'number' | 'datetime-local'; name: string; label: string; value?: string; hint?: string; required?: boolean; autocomplete?: 'off' }
  | { kind: 'textarea'; name: string; label: string; value?: string; hint?: string; required?: boolean }
  | { kind: 'select'; name: string; label: string; value?: string; hint?: string; options: readonly { value: string; label: string }[] }
  | { kind: 'checkboxes'; name: string; label: string; values: readonly string[]; hint?: string; options: readonly { value: string; label: string }[] }

export function adminField(field: AdminField): SafeHtml {
  const id = `field-${field.name}`
  const hintId = `${id}-hint`
  const hint = field.hint ? html`<span class="hint" id="${hintId}">${field.hint}</span>` : html``
  const described = field.hint ? html` aria-describedby="${hintId}"` : html``
  switch (field.kind) {
    case 'checkboxes':
      return html`<fieldset${described}><legend>${field.label}</legend>${field.options.map((option, index) => html`<label><input type="checkbox" name="${field.name}" id="${id}-${index}" value="${option.value}"${field.values.includes(option.value) ? html` checked` : html``}> ${option.label}</label>`)}${hint}</fieldset>`
    case 'select':
      return html`<div class="field"><label for="${id}">${field.label}</label><select id="${id}" name="${field.name}"${described}>${field.options.map((option) => html`<option value="${option.value}"${option.value === field.value ? html` selected` : html``}>${option.label}</option>`)}</select>${hint}</div>`
    case 'textarea':
      return html`<div class="field"><label for="${id}">${field.label}</label><textarea id="${id}" name="${field.name}" rows="4"${field.required ? html` required` : html``}${described}>${field.value ?? ''}</textarea>${hint}</div>`
    default:
      return html`<div class="field"><label for="${id}">${field.label}</label><input id="${id}" name="${field.name}" type="${field.kind}" value="${field.value ?? ''}"${field.required ? html` required` : html``}${field.autocomplete ? html` autocomplete="off"` : html``}${described}>${hint}</div>`
  }
}

/** A POST form with the console's CSRF token, hidden values and its fields. */
export function adminForm(input: { action: string; csrfToken: string; hidden?: Readonly<Record<string, string>>; fields?: readonly AdminField[]; submit: string; style?: 'primary' | 'secondary' | 'danger'; label?: string }): SafeHtml {
  const names = (input.fields ?? []).map((field) => field.name)
  const style = input.style === 'secondary' ? html` class="secondary"` : input.style === 'danger' ? html` class="danger"` : html``
  return html`<form method="post" action="${input.action}"${input.label ? html` aria-label="${input.label}"` : html``}>
${hiddenFields({ ...input.hidden }, input.csrfToken, names)}
${(input.fields ?? []).map(adminField)}
<button type="submit"${style}>${input.submit}</button>
</form>`
}

/** A GET form of filters over a list. */
export function adminFilters(input: { action: string; fields: readonly AdminField[]; label: string }): SafeHtml {
  return html`<form method="get" action="${input.action}" class="filters" role="search" aria-label="${input.label}">
${input.fields.map(adminField)}
<button type="submit" class="secondary">Filter</button>
</form>`
}

/**
 * A secret shown once: in a read-only field (select and copy by hand without JavaScript) and a copy button
 * the console's script reveals and wires up.
 */
export function adminSecret(input: { id: string; label: string; value: string }): SafeHtml {
  return html`<div class="field">
<label for="${input.id}">${input.label}</label>
<div class="secret-box"><input id="${input.id}" type="text" readonly value="${input.value}" autocomplete="off" spellcheck="false"><button type="button" class="secondary" data-copy="${input.id}" hidden>Copy</button></div>
<span class="hint" role="status" data-copy-status="${input.id}"></span>
</div>`
}

/** A question before a destructive action: the POST form, and a way back. */
export function adminConfirm(input: { question: string; detail?: string; action: string; csrfToken: string; hidden?: Readonly<Record<string, string>>; submit: string; cancelHref: string }): SafeHtml {
  return html`<p>${input.question}</p>
${input.detail ? html`<p class="lead">${input.detail}</p>` : html``}
<div class="row">
${adminForm({ action: input.action, csrfToken: input.csrfToken, ...(input.hidden ? { hidden: input.hidden } : {}), submit: input.submit, style: 'danger' })}
<a class="button" href="${input.cancelHref}">Cancel</a>
</div>`
}

/** Links shown in a row. */
export function adminLinks(links: readonly { href: string; label: string }[]): SafeHtml {
  return html`<p class="row">${links.map((link) => html`<a class="button" href="${link.href}">${link.label}</a>`)}</p>`
}

/**
 * The console's one script, served as a static asset and loaded under the page's nonce: it reveals the copy
 * buttons next to shown-once secrets and copies the field's value. Without it the field is still there to
 * select and copy.
 */
export const ADMIN_CONSOLE_SCRIPT = `'use strict';
(() => {
  for (const button of document.querySelectorAll('button[data-copy]')) {
    const field = document.getElementById(button.dataset.copy);
    const status = document.querySelector('[data-copy-status="' + button.dataset.copy + '"]');
    if (!field || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        if (status) status.textContent = 'Copied to the clipboard.';
      } catch {
        field.select();
        if (status) status.textContent = 'Select the text and copy it.';
      }
    });
  }
})();
`
