import type { AuthorizationServer } from 'oauth4webapi'
import { ClientError } from './errors.js'

/** Loopback hosts (RFC 8252 §8.3): the only ones where plain http is acceptable, and only when opted in. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname)
}

/**
 * Why `value` may not be used as a provider URL, or `undefined` when it may: https, or http on a loopback
 * host when `insecureLoopback` was opted into; no userinfo, no fragment. Refuses `javascript:`, `file:`,
 * `data:` and the like (catalogue RP-10; the MCP SDK's `javascript:` authorization endpoint).
 */
export function endpointProblem(value: unknown, insecureLoopback: boolean): string | undefined {
  if (typeof value !== 'string') return 'is not a string'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not an absolute URL'
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials'
  if (url.hash !== '') return 'must not contain a fragment'
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) {
    return insecureLoopback ? undefined : 'uses http; only allowed on loopback with allowInsecureLoopback: true'
  }
  return `uses the ${url.protocol} scheme; only https is allowed`
}

const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'revocation_endpoint', 'end_session_endpoint', 'introspection_endpoint', 'pushed_authorization_request_endpoint'] as const

/**
 * Validates discovered (or preset) metadata before anything is opened or fetched: every endpoint we may use
 * passes `endpointProblem`, and the ones the flow needs are present (OIDC Discovery §3, RFC 8414 §2).
 * Credentials are therefore never sent to an http or non-URL token endpoint.
 */
export function checkServerMetadata(as: AuthorizationServer, options: { openid: boolean; insecureLoopback: boolean }): void {
  const required = ['authorization_endpoint', 'token_endpoint', ...(options.openid ? ['jwks_uri'] : [])]
  for (const field of ENDPOINTS) {
    const value = as[field]
    if (value === undefined) {
      if (required.includes(field)) throw new ClientError('provider_misconfigured', { detail: `provider metadata has no ${field}` })
      continue
    }
    const problem = endpointProblem(value, options.insecureLoopback)
    if (problem) throw new ClientError('provider_misconfigured', { detail: `provider metadata ${field} ${problem}` })
  }
  if (as.code_challenge_methods_supported && !as.code_challenge_methods_supported.includes('S256')) {
    throw new ClientError('provider_misconfigured', { detail: 'provider does not support PKCE S256 (RFC 7636 §4.2)' })
  }
}
