import { html, raw, type SafeHtml } from './html.js'
import { ENGLISH, type Translator } from './messages/index.js'
import { PAGE_STYLES } from './styles.js'
import { themeStyles, type PageTheme } from './theme.js'

const DEFAULT_PRODUCT_NAME = 'Tessera'

/**
 * What every page of one response shares beside its view model: the language it is written in and the
 * operator's theme. The server passes it as the third argument of each `PageRenderer` method.
 */
export interface PageEnvironment {
  readonly t: Translator
  readonly theme?: PageTheme
}

/** The page environment when none is given: English, no theme. */
export const DEFAULT_ENVIRONMENT: PageEnvironment = { t: ENGLISH }

/**
 * The start of every page's document up to its inline stylesheet (the caller adds what else belongs in
 * `<head>` and closes it): the language, no referrer, no indexing, light and dark, and the styles under the
 * response's CSP nonce.
 */
export function documentHead(options: { locale: string; title: string; nonce: string; styles: string }): SafeHtml {
  return html`<!doctype html>
<html lang="${options.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<meta name="color-scheme" content="light dark">
<title>${options.title}</title>
<link rel="icon" href="data:,">
<style nonce="${options.nonce}">${raw(options.styles)}</style>`
}

/**
 * Wraps a page body in the shared HTML5 document: one `<main>` card, the inline stylesheet under `nonce`
 * (which must be the nonce of the response's CSP, see `htmlSecurityHeaders`), the theme's colours and
 * stylesheet, and `<html lang>` of the environment's language.
 *
 * @example renderPage({ nonce, title: 'Sign in', body: html`<h1>Sign in</h1>` })
 * @see https://www.w3.org/TR/CSP3/#security-nonces
 * @see https://www.w3.org/TR/WCAG22/#language-of-page
 */
export function renderPage(options: { nonce: string; title: string; body: SafeHtml; productName?: string; wide?: boolean; env?: PageEnvironment | undefined }): string {
  const env = options.env ?? DEFAULT_ENVIRONMENT
  const theme = env.theme
  const productName = options.productName ?? theme?.productName ?? DEFAULT_PRODUCT_NAME
  const logo = theme?.logoUrl ? html`<img src="${theme.logoUrl}" alt="${env.t.text('page.logoAlt', { product: productName })}">` : html``
  // A stylesheet link carries the nonce too: CSP3 applies style-src nonces to <link rel=stylesheet>, so the
  // policy stays as strict as it is.
  const stylesheet = theme?.stylesheetUrl ? html`\n<link rel="stylesheet" href="${theme.stylesheetUrl}" nonce="${options.nonce}">` : html``
  const page = html`${documentHead({ locale: env.t.locale, title: `${options.title} · ${productName}`, nonce: options.nonce, styles: PAGE_STYLES + themeStyles(theme) })}${stylesheet}
</head>
<body>
<main${options.wide ? html` class="wide"` : html``}>
<p class="brand">${logo}${productName}</p>
${options.body}
</main>
</body>
</html>
`
  return page.__html
}
