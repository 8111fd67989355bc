import { html } from '../html.js'
import { renderPage } from '../layout.js'

/**
 * A friendly error page for when the server cannot redirect back to the client (e.g. an unknown `client_id` or
 * `redirect_uri`). Show only client-safe text here, never operator detail; `code` is the RFC error code.
 *
 * @example renderErrorPage({ nonce, title: 'Something went wrong', message: 'The link is invalid.', code: 'invalid_request' })
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1 (must not redirect to an invalid redirect URI)
 */
export function renderErrorPage(input: { nonce: string; title: string; message: string; code?: string }): string {
  const hasCode = input.code !== undefined && input.code !== ''
  const body = html`<h1>${input.title}</h1>
<p class="lead">${input.message}</p>
${hasCode && html`<p class="code">Error code: ${input.code}</p>`}`
  return renderPage({ nonce: input.nonce, title: input.title, body })
}
