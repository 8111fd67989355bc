import { hiddenFields } from '../form-fields.js'
import { html } from '../html.js'
import { DEFAULT_ENVIRONMENT, renderPage, type PageEnvironment } from '../layout.js'
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
  /** Scopes listed under the API they belong to (RFC 8707), after the general ones. */
  resources?: { identifier: string; scopes: ScopeDescription[] }[] | undefined
  unverified?: boolean | undefined
  clientHost?: string | undefined
  redirectHost?: string | undefined
  localhostOnly?: boolean | undefined
  env?: PageEnvironment | undefined
}): string {
  const env = input.env ?? DEFAULT_ENVIRONMENT
  const t = env.t
  const resources = input.resources ?? []
  const general =
    input.scopes.length > 0
      ? html`<p>${t.text('consent.willAllow', { client: input.clientName })}</p>
<ul class="scopes">
${input.scopes.map((scope) => html`<li>${scope.description}</li>\n`)}</ul>`
      : ''
  const perResource = resources.map((resource) => html`<p>${t.html('consent.atResource', { resource: html`<span class="account resource">${resource.identifier}</span>`, client: input.clientName })}</p>
<ul class="scopes">
${resource.scopes.map((scope) => html`<li>${scope.description}</li>\n`)}</ul>
`)
  const access = input.scopes.length > 0 || resources.length > 0
    ? html`${general}${perResource}`
    : html`<p>${t.text('consent.signInOnly', { client: input.clientName })}</p>`
  // RFC 7591 §5: a dynamically registered (or metadata document) client's name and URIs are self-asserted; the user gets what the
  // server knows for certain (where the answer goes) and a warning, never a logo or link from the client.
  const unverified = input.unverified === true
    ? html`<div class="alert" id="unverified">${t.text('consent.unverified')}</div>
`
    : ''
  // draft-ietf-oauth-client-id-metadata-document §6.4: the client_id's host, whatever the name claims.
  const publisher = input.clientHost
    ? html`<p id="client-host">${t.text('consent.publishedBy')} <span class="account">${input.clientHost}</span></p>
`
    : ''
  const destination = input.redirectHost
    ? html`<p id="redirect-host">${t.html('consent.sentBackTo', { host: html`<span class="account">${input.redirectHost}</span>` })}</p>
`
    : ''
  const localhost = input.localhostOnly === true
    ? html`<div class="alert" id="localhost-warning">${t.text('consent.localhost')}</div>
`
    : ''
  const body = html`<h1>${t.text('consent.heading', { client: input.clientName })}</h1>
${publisher}<p class="lead">${t.text('consent.signedInAs')} <span class="account">${input.userName}</span></p>
${unverified}${localhost}${destination}${access}
<form method="post" action="${input.action}">
${hiddenFields(input.hidden, input.csrfToken, ['decision'])}
<div class="actions">
<button name="decision" value="deny">${t.text('consent.deny')}</button>
<button name="decision" value="allow">${t.text('consent.allow')}</button>
</div>
</form>
<p class="note">${t.text('consent.noPassword', { client: input.clientName })}</p>`
  return renderPage({ nonce: input.nonce, title: t.text('consent.title'), body, env })
}
