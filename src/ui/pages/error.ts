import { html } from '../html.js'
import { DEFAULT_ENVIRONMENT, renderPage, type PageEnvironment } from '../layout.js'

/**
 * A friendly error page for when the server cannot redirect back to the client (e.g. an unknown `client_id` or
 * `redirect_uri`). Show only client-safe text here, never operator detail; `code` is the RFC error code.
 *
 * @example renderErrorPage({ nonce, title: 'Something went wrong', message: 'The link is invalid.', code: 'invalid_request' })
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1 (must not redirect to an invalid redirect URI)
 */
export function renderErrorPage(input: { nonce: string; title: string; message: string; code?: string; detail?: string | undefined; env?: PageEnvironment | undefined }): string {
  const env = input.env ?? DEFAULT_ENVIRONMENT
  const t = env.t
  const hasCode = input.code !== undefined && input.code !== ''
  const body = html`<h1>${input.title}</h1>
<p class="lead">${input.message}</p>
${input.detail ? html`<p class="note">${t.html('error.detailLabel', { detail: html`<span lang="en">${input.detail}</span>` })}</p>` : html``}
${hasCode && html`<p class="code">${t.text('error.codeLabel', { code: input.code ?? '' })}</p>`}`
  return renderPage({ nonce: input.nonce, title: input.title, body, env })
}
