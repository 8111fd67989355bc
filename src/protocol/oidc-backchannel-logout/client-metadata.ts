import { OAuthError } from '../../errors.js'
import { isSpecialUseAddress, unbracketed } from '../../http/special-use-addresses.js'
import { isLoopbackHost } from '../rfc6749/redirect-uri.js'
import { isIP } from 'node:net'

/** §2.2: what a relying party registers to receive logout tokens. */
export interface BackchannelLogoutClientMetadata {
  /** Where the provider POSTs logout tokens; null: the client takes none. */
  backchannel_logout_uri: string | null
  /** The client needs `sid` in its logout tokens (and ID tokens) to tell sessions apart. */
  backchannel_logout_session_required: boolean
}

/**
 * Why `value` cannot be a `backchannel_logout_uri`, or undefined when it can. §2.2: an absolute URL, a
 * query allowed, no fragment. The provider will POST to it, so it is also a fetch target the client
 * chose (catalogue BL-02): https only (http on a loopback host under the development switch), no user
 * information, and no special-use address literal — names are checked again on every delivery, by the
 * addresses the connection uses.
 *
 * @example backchannelLogoutUriProblem('https://app.example/bcl#f', false) // 'must not carry a fragment'
 */
export function backchannelLogoutUriProblem(value: unknown, allowLoopbackHttp: boolean): string | undefined {
  if (typeof value !== 'string' || value.length > 2000) return 'backchannel_logout_uri must be a URL of at most 2000 characters'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'backchannel_logout_uri must be an absolute URL'
  }
  if (url.hash !== '' || value.includes('#')) return 'backchannel_logout_uri must not carry a fragment'
  if (url.username !== '' || url.password !== '') return 'backchannel_logout_uri must not carry user information'
  const loopbackAllowed = allowLoopbackHttp && isLoopbackHost(url.hostname)
  if (url.protocol === 'http:' && !loopbackAllowed) return 'backchannel_logout_uri must be an https URL'
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'backchannel_logout_uri must be an https URL'
  const host = unbracketed(url.hostname)
  if (!loopbackAllowed && (host === 'localhost' || (isIP(host) !== 0 && isSpecialUseAddress(host)))) return 'backchannel_logout_uri must not name a special-use address'
  return undefined
}

/**
 * The §2.2 members of a registration body (RFC 7591 §2, RFC 7592 §2.2), validated: refused values are
 * `invalid_client_metadata`; omitted members take their defaults (none, false).
 *
 * @example backchannelLogoutMetadata({ backchannel_logout_uri: 'https://app.example/bcl' }, { allowLoopbackHttp: false })
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRegistration
 */
export function backchannelLogoutMetadata(body: Record<string, unknown>, options: { allowLoopbackHttp: boolean }): BackchannelLogoutClientMetadata {
  const uri = body.backchannel_logout_uri
  const required = body.backchannel_logout_session_required
  if (required !== undefined && typeof required !== 'boolean') throw new OAuthError('invalid_client_metadata', 'backchannel_logout_session_required must be a boolean')
  if (uri === undefined || uri === null) return { backchannel_logout_uri: null, backchannel_logout_session_required: required === true }
  const problem = backchannelLogoutUriProblem(uri, options.allowLoopbackHttp)
  if (problem) throw new OAuthError('invalid_client_metadata', problem)
  return { backchannel_logout_uri: new URL(uri as string).href, backchannel_logout_session_required: required === true }
}
