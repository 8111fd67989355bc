import {
  describeScopes,
  renderConsentPage,
  renderErrorPage,
  renderLoggedOutPage,
  renderLoginPage,
  renderLogoutConfirmPage,
} from '../../src/ui/index.js'

export const XSS = '<img src=x onerror=alert(1)>'
export const ATTRIBUTE_BREAKOUT = '"><script>alert(1)</script>'
export const NONCE = 'dGVzdC1ub25jZS0xMjM0NQ=='

/** Every page, rendered with attacker-controlled text in every field that takes text. */
export const PAGES: ReadonlyArray<{ name: string; render: () => string; hasForm: boolean }> = [
  {
    name: 'login',
    hasForm: true,
    render: () =>
      renderLoginPage({
        nonce: NONCE,
        action: '/interaction/1/login',
        hidden: { state: XSS, [ATTRIBUTE_BREAKOUT]: ATTRIBUTE_BREAKOUT },
        csrfToken: ATTRIBUTE_BREAKOUT,
        clientName: XSS,
        username: ATTRIBUTE_BREAKOUT,
        error: XSS,
      }),
  },
  {
    name: 'consent',
    hasForm: true,
    render: () =>
      renderConsentPage({
        nonce: NONCE,
        action: '/interaction/1/consent',
        hidden: { state: XSS, [ATTRIBUTE_BREAKOUT]: ATTRIBUTE_BREAKOUT },
        csrfToken: ATTRIBUTE_BREAKOUT,
        clientName: XSS,
        userName: XSS,
        scopes: describeScopes(['openid', 'custom', XSS], { custom: XSS }),
      }),
  },
  {
    name: 'error',
    hasForm: false,
    render: () => renderErrorPage({ nonce: NONCE, title: XSS, message: XSS, code: ATTRIBUTE_BREAKOUT }),
  },
  {
    name: 'logout confirm',
    hasForm: true,
    render: () =>
      renderLogoutConfirmPage({
        nonce: NONCE,
        action: '/logout',
        hidden: { state: XSS, [ATTRIBUTE_BREAKOUT]: ATTRIBUTE_BREAKOUT },
        csrfToken: ATTRIBUTE_BREAKOUT,
        clientName: XSS,
      }),
  },
  { name: 'logged out', hasForm: false, render: () => renderLoggedOutPage({ nonce: NONCE }) },
]

/** Attribute values of every start tag named `tag`, e.g. `tags(page, 'input')[0].name`. */
export function tags(page: string, tag: string): Array<Record<string, string>> {
  const found: Array<Record<string, string>> = []
  for (const match of page.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'gi'))) {
    const attributes: Record<string, string> = {}
    for (const attribute of (match[1] ?? '').matchAll(/([\w-]+)(?:="([^"]*)")?/g)) {
      attributes[attribute[1]!.toLowerCase()] = attribute[2] ?? ''
    }
    found.push(attributes)
  }
  return found
}

/**
 * The page's start tags only: text, the stylesheet and attribute values removed. Escaped text like
 * `&lt;img onerror=…&gt;` is inert, so attribute checks must look at real attributes, never at text or values.
 */
export function startTags(page: string): string[] {
  return [...page.replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, '<style>').matchAll(/<[a-z][^>]*>/gi)].map((match) =>
    match[0].replace(/="[^"]*"/g, '=""'),
  )
}

/** Decodes the five entities `escapeHtml` produces. */
export function unescape(value: string): string {
  return value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
}
