import type { Capability } from '../context.js'
import { pushedAuthorizationEndpoint } from './endpoint.js'
import { resolvePushedRequestOptions, type PushedAuthorizationRequestOptions } from './options.js'
import { pushedRequestReferences } from './pushed-requests.js'

export type { PushedAuthorizationRequestOptions } from './options.js'
export { REQUEST_URI_PREFIX } from './pushed-requests.js'

/**
 * Pushed authorization requests (RFC 9126): `POST /par` (`pushed_authorization_request_endpoint` in
 * discovery) takes an authorization request from an authenticated client and answers a single-use,
 * short-lived `request_uri` bound to that client, which `/authorize` resolves before any login page.
 * With `required`, every client must push (discovery says `require_pushed_authorization_requests: true`);
 * a client registered with `require_pushed_authorization_requests` must either way. A `request_uri` that
 * is not one of this server's URNs is refused, never fetched. `tessera-oidc serve` always registers it
 * (`--require-par` for `required`).
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [pushedAuthorizationRequests({ required: true })] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9126
 */
export function pushedAuthorizationRequests(options: PushedAuthorizationRequestOptions = {}): Capability {
  const resolved = resolvePushedRequestOptions(options)
  return {
    name: 'pushed-authorization-requests',
    spec: 'RFC 9126',
    endpoints: [{
      name: 'pushedAuthorizationRequest', path: '/par', methods: ['POST'], metadata: 'pushed_authorization_request_endpoint',
      handle: (ctx, request) => pushedAuthorizationEndpoint(ctx, request, resolved),
    }],
    metadata: () => ({ require_pushed_authorization_requests: resolved.required }),
    requestReferences: pushedRequestReferences(resolved.required),
  }
}
