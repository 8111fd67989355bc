import { readCookie } from '../http/cookies.js'
import type { ClientContext } from './context.js'
import { signValue, verifySignedValue } from './seal.js'

/**
 * The relying party's cookies: the session, and the pending transactions — in `tx`, or in `tx-post` for
 * providers answering with a cross-site form POST, which needs `SameSite=None` (kept apart so a later
 * ordinary login cannot downgrade it to `Lax`). Over https they carry the `__Host-` prefix (RFC 6265bis
 * §4.1.3.2: Secure, Path=/, no Domain), so a sibling subdomain cannot plant them (SC-01, SC-02). Names
 * differ from the authorization server's so both can run on one host.
 */
export function cookieName(ctx: ClientContext, kind: 'session' | 'tx' | 'tx-post'): string {
  return `${ctx.https ? '__Host-' : ''}tessera-rp-${kind}`
}

export interface ClientCookieOptions {
  /** Seconds; 0 deletes the cookie. */
  maxAge: number
  /**
   * `None` only for the transaction cookie of providers answering with `response_mode=form_post`: their
   * callback is a cross-site POST on which `Lax` cookies are not sent (Apple). Requires https.
   */
  sameSite?: 'Lax' | 'None'
}

/** Always `HttpOnly`, `Path=/`, host-only (no `Domain`); `Secure` whenever the app is served over https. */
export function setCookie(ctx: ClientContext, name: string, value: string, options: ClientCookieOptions): void {
  const sameSite = options.sameSite ?? 'Lax'
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', `SameSite=${sameSite}`]
  if (ctx.https || sameSite === 'None') parts.push('Secure')
  parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAge))}`)
  ctx.cookies.push(parts.join('; '))
}

export function readSignedCookie(ctx: ClientContext, key: Buffer, name: string): string | undefined {
  return verifySignedValue(key, name, readCookie(ctx.headers, name))
}

export function setSignedCookie(ctx: ClientContext, key: Buffer, name: string, value: string, options: ClientCookieOptions): void {
  setCookie(ctx, name, signValue(key, name, value), options)
}
