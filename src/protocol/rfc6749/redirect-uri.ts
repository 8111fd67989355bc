/**
 * Adds response parameters to a redirect URI, keeping its own query (RFC 6749 §3.1.2: "MUST retain
 * the query component when adding additional query parameters").
 */
export function withQueryParameters(uri: string, parameters: Record<string, string | undefined>): string {
  const url = new URL(uri)
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined) url.searchParams.append(name, value)
  }
  return url.href
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Loopback hosts, where plain http is acceptable (RFC 8252 §7.3, RFC 9700 §2.6). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname)
}

/**
 * Parameters an authorization response (RFC 6749 §4.1.2, §4.1.2.1, RFC 9207 §2, OIDC Core §3.2.2.5 and
 * Session Management §2) adds to the redirect URI. A registered URI carrying one of them would make the
 * response hold two values of it, and clients disagree on which one counts.
 */
export const AUTHORIZATION_RESPONSE_PARAMETERS = [
  'code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state', 'id_token', 'access_token',
] as const

/**
 * Whether a URI may be registered as a redirect URI: absolute, no fragment (RFC 6749 §3.1.2), no
 * user info, https or loopback http (RFC 9700 §2.6), or a private-use scheme for native apps
 * (RFC 8252 §7.1) — but never a scheme that executes in the browser, nor a query parameter that the
 * authorization response itself adds.
 */
export function validateRedirectUriForRegistration(uri: string): string | undefined {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return 'is not an absolute URI'
  }
  if (url.hash !== '' || uri.includes('#')) return 'must not contain a fragment'
  if (url.username !== '' || url.password !== '') return 'must not contain user information'
  const scheme = url.protocol.toLowerCase()
  if (['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:'].includes(scheme)) return 'uses a forbidden scheme'
  if (uri.includes('*')) return 'must not contain wildcards'
  if (scheme === 'http:' && !isLoopbackHost(url.hostname)) return 'must use https (http only for loopback)'
  if ((scheme === 'http:' || scheme === 'https:') && url.hostname === '') return 'has no host'
  for (const name of AUTHORIZATION_RESPONSE_PARAMETERS) {
    if (url.searchParams.has(name)) return `must not have a query parameter named ${name} (the authorization response adds it)`
  }
  return undefined
}
