/**
 * Client identifier URLs of OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document
 * §3): which `client_id` values name a document, and which of those may be fetched at all. Pure: checked on
 * the string as sent, before anything is resolved or fetched (catalogue CM-01).
 *
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */

import { isLoopbackHost } from '../rfc6749/redirect-uri.js'

declare const checked: unique symbol

/** A `client_id` that passed `checkClientIdUrl`: the only kind of URL the server fetches a document from. */
export type ClientIdUrl = string & { readonly [checked]: true }

/** Longest client identifier URL accepted (the same bound as a registered redirect URI). */
export const CLIENT_ID_URL_MAX_LENGTH = 2000

/**
 * Whether a `client_id` is in the form of a metadata document URL (`https://`…), so it is this mechanism's
 * to resolve, valid or not. Anything else is an ordinary client identifier.
 */
export function isClientIdUrlShaped(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId)
}

export interface ClientIdUrlRules {
  /**
   * Development switch (`tessera-oidc serve --allow-loopback-fetch`): `http` URLs on a loopback host are
   * accepted too, for documents a developer or a test serves on this machine. Never in production.
   */
  readonly allowLoopbackHttp?: boolean
}

/**
 * Why `clientId` is not a valid client identifier URL, or undefined when it is (draft §3): the https
 * scheme, a path component, no fragment, no user information, no `.` or `..` path segment (also
 * percent-encoded). The URL must also be written as the URL parser writes it (lower-case scheme and host,
 * no default port, dotted-decimal IPv4), since the document's `client_id` is compared with it as a plain
 * string (§4.1) and another spelling could only be a mistake or a disguise (`https://2130706433/…`).
 *
 * @example clientIdUrlProblem('https://app.example/client.json') // undefined
 */
export function clientIdUrlProblem(clientId: string, rules: ClientIdUrlRules = {}): string | undefined {
  if (clientId.length > CLIENT_ID_URL_MAX_LENGTH) return `is longer than ${CLIENT_ID_URL_MAX_LENGTH} characters`
  const http = clientId.startsWith('http://')
  if (!clientId.startsWith('https://') && !(http && rules.allowLoopbackHttp)) return 'must use the https scheme'
  let url: URL
  try {
    url = new URL(clientId)
  } catch {
    return 'is not a valid URL'
  }
  if (http && !isLoopbackHost(url.hostname)) return 'must use the https scheme (http only on loopback in development)'
  if (clientId.includes('#')) return 'must not contain a fragment'
  const start = `${url.protocol}//`.length
  const authorityEnd = clientId.indexOf('/', start)
  const authority = authorityEnd === -1 ? clientId.slice(start) : clientId.slice(start, authorityEnd)
  if (authority.includes('@') || url.username !== '' || url.password !== '') return 'must not contain user information'
  if (authorityEnd === -1) return 'must contain a path'
  const path = clientId.slice(authorityEnd).split('?', 1)[0] ?? ''
  if (path === '/') return 'must contain a path'
  for (const segment of path.split('/').slice(1)) {
    // RFC 3986 §6.2.2.2: %2e is a '.', so an encoded dot segment is a dot segment.
    const decoded = segment.replace(/%2e/gi, '.')
    if (decoded === '.' || decoded === '..') return 'must not contain . or .. path segments'
  }
  if (url.href !== clientId) return 'must be written in canonical form (lower-case host, no default port, no encoded dots)'
  return undefined
}

/**
 * The `client_id` as a URL the server may fetch its metadata document from, or undefined when it is not
 * one (see `clientIdUrlProblem`).
 */
export function checkClientIdUrl(clientId: string, rules: ClientIdUrlRules = {}): ClientIdUrl | undefined {
  return clientIdUrlProblem(clientId, rules) === undefined ? (clientId as ClientIdUrl) : undefined
}
