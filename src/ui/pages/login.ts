import { hiddenFields } from '../form-fields.js'
import { html } from '../html.js'
import { DEFAULT_ENVIRONMENT, renderPage, type PageEnvironment } from '../layout.js'
import type { Translator } from '../messages/index.js'

const ERROR_ID = 'login-error'

/**
 * The sign-in form: `username` and `password` POSTed to `action` with `hidden` and `csrf_token`. With `error`,
 * the message is announced (`role="alert"`), tied to both fields by `aria-describedby`, and the username kept.
 *
 * @example renderLoginPage({ nonce, action: '/interaction/abc/login', hidden: {}, csrfToken, clientName: 'Notes' })
 * @see https://www.w3.org/TR/WCAG22/#error-identification
 * @see https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#autofill
 */
export function renderLoginPage(input: {
  nonce: string
  action: string
  hidden: Record<string, string>
  csrfToken: string
  clientName: string
  username?: string
  error?: string
  links?: readonly { href: string; label: string }[]
  alternatives?: readonly { label: string; action: string; hidden: Readonly<Record<string, string>> }[]
  env?: PageEnvironment | undefined
}): string {
  const env = input.env ?? DEFAULT_ENVIRONMENT
  const t = env.t
  const hasError = input.error !== undefined && input.error !== ''
  const username = input.username ?? ''
  const errorAttributes = hasError ? html` aria-invalid="true" aria-describedby="${ERROR_ID}"` : html``
  const body = html`<h1>${t.text('login.heading', { client: input.clientName })}</h1>
${hasError && html`<div id="${ERROR_ID}" class="alert" role="alert">${input.error}</div>`}
<form method="post" action="${input.action}">
${hiddenFields(input.hidden, input.csrfToken, ['username', 'password'])}
<div class="field">
<label for="username">${t.text('login.username')}</label>
<input id="username" name="username" type="text" value="${username}" autocomplete="username" autocapitalize="none" spellcheck="false" required${errorAttributes}${username === '' && html` autofocus`}>
</div>
<div class="field">
<label for="password">${t.text('login.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${errorAttributes}${username !== '' && html` autofocus`}>
</div>
<button type="submit" class="block">${t.text('login.submit')}</button>
</form>${alternativeForms(input.alternatives ?? [], input.csrfToken, t)}
${input.links?.length ? html`<p class="links">${input.links.map((link, index) => html`${index > 0 ? ' · ' : ''}<a href="${link.href}">${link.label}</a>`)}</p>` : html``}`
  return renderPage({ nonce: input.nonce, title: t.text('login.title'), body, env })
}

/** "Continue with …" buttons, one small form each (no JavaScript), under a separator the screen reader names. */
function alternativeForms(alternatives: readonly { label: string; action: string; hidden: Readonly<Record<string, string>> }[], csrfToken: string, t: Translator) {
  if (alternatives.length === 0) return html``
  const forms = alternatives.map(
    (alternative) => html`<form method="post" action="${alternative.action}">
${hiddenFields(alternative.hidden, csrfToken, [])}
<button type="submit" class="block secondary">${alternative.label}</button>
</form>`,
  )
  return html`
<section class="alternatives" aria-label="${t.text('login.alternatives')}">
<p class="separator">${t.text('login.or')}</p>
${forms}
</section>`
}
