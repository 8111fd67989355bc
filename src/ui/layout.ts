import { html, raw, type SafeHtml } from './html.js'
import { PAGE_STYLES } from './styles.js'

const DEFAULT_PRODUCT_NAME = 'Tessera'

/**
 * Wraps a page body in the shared HTML5 document: one `<main>` card, the inline stylesheet under `nonce`
 * (which must be the nonce of the response's CSP, see `htmlSecurityHeaders`), and no external resources.
 *
 * @example renderPage({ nonce, title: 'Sign in', body: html`<h1>Sign in</h1>` })
 * @see https://www.w3.org/TR/CSP3/#security-nonces
 */
export function renderPage(options: { nonce: string; title: string; body: SafeHtml; productName?: string; wide?: boolean }): string {
  const productName = options.productName ?? DEFAULT_PRODUCT_NAME
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<meta name="color-scheme" content="light dark">
<title>${options.title} · ${productName}</title>
<link rel="icon" href="data:,">
<style nonce="${options.nonce}">${raw(PAGE_STYLES)}</style>
</head>
<body>
<main${options.wide ? html` class="wide"` : html``}>
<p class="brand">${productName}</p>
${options.body}
</main>
</body>
</html>
`
  return page.__html
}
