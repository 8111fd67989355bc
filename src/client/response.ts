import type { OAuthResponse } from '../http/types.js'
import type { ClientContext, ClientRedirect } from './context.js'

/**
 * Headers of a redirect answered by the relying party: `no-store` (a callback URL carries a code and must
 * not be cached) and `Referrer-Policy: no-referrer` (the code and state must not leak to the next page;
 * RFC 9700 §4.2.4, catalogue SC-06).
 */
export function redirectHeaders(ctx: ClientContext, redirect: ClientRedirect): Headers {
  const headers = new Headers({ Location: redirect.location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' })
  for (const cookie of ctx.cookies) headers.append('Set-Cookie', cookie)
  return headers
}

/** Reads a form body for `response_mode=form_post` callbacks; anything else (or an oversized body) is ignored. */
export function formBody(contentType: string | null | undefined, text: string): URLSearchParams | undefined {
  if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded') || text.length > 64 * 1024) return undefined
  return new URLSearchParams(text)
}

/**
 * The redirect as a framework-neutral `OAuthResponse` (for `node:http` with `writeNodeResponse`, or any
 * adapter that already speaks `OAuthResponse`).
 *
 * @example writeNodeResponse(clientRedirectResponse(ctx, await oauth.authorizeRedirect(ctx, 'google', cb)), res)
 */
export function clientRedirectResponse(ctx: ClientContext, redirect: ClientRedirect): OAuthResponse {
  return { status: redirect.status, headers: redirectHeaders(ctx, redirect), body: undefined }
}
