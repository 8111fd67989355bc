import { randomBytes } from 'node:crypto'
import { STRICT_TRANSPORT_SECURITY } from '../http/transport-security.js'

// CSP base64-value grammar; anything else could end the directive and smuggle in another one.
const NONCE = /^[A-Za-z0-9+/_-]+={0,2}$/
// A CSP source expression is a single token: no whitespace, no directive or policy separators, no quotes.
const SOURCE = /^[^\s;,'"]+$/

/**
 * A fresh CSP nonce for one response: 16 random bytes, base64.
 *
 * @example const nonce = newNonce()
 * @see https://www.w3.org/TR/CSP3/#security-nonces
 */
export function newNonce(): string {
  return randomBytes(16).toString('base64')
}

/**
 * Response headers for an interaction page: a CSP that allows only the page's own nonce-tagged `<style>` and
 * forms posting to this origin (plus `formActions`), no framing, no caching, no referrer.
 *
 * `scripts` allows scripts carrying the nonce (WebAuthn pages); every other page runs none.
 *
 * `formActions` lists extra origins (e.g. the client's redirect URI origin): Chromium applies `form-action`
 * to the redirect that follows a form POST, so the consent form's 303 to the client would otherwise be blocked.
 *
 * @example htmlSecurityHeaders({ nonce, formActions: ['https://app.example'], https: true })
 * @see https://www.w3.org/TR/CSP3/#directive-form-action
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.13 (clickjacking)
 * @see https://www.rfc-editor.org/rfc/rfc6797 (HSTS)
 */
export function htmlSecurityHeaders(options: { nonce: string; formActions?: string[]; https?: boolean; scripts?: boolean }): Headers {
  if (!NONCE.test(options.nonce)) {
    throw new TypeError('htmlSecurityHeaders: nonce must be base64 (use newNonce())')
  }
  const formActions = ["'self'"]
  for (const source of options.formActions ?? []) {
    if (!SOURCE.test(source)) {
      throw new TypeError(`htmlSecurityHeaders: formActions entry ${JSON.stringify(source)} is not a CSP source`)
    }
    if (!formActions.includes(source)) formActions.push(source)
  }
  const policy = [
    "default-src 'none'",
    `style-src 'nonce-${options.nonce}'`,
    // Only pages that need WebAuthn (passkeys) run a script, and only the one carrying this response's nonce.
    ...(options.scripts === true ? [`script-src 'nonce-${options.nonce}'`] : []),
    "img-src 'self' data:",
    `form-action ${formActions.join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ')

  const headers = new Headers({
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': policy,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
  })
  if (options.https === true) {
    headers.set('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY)
  }
  return headers
}
