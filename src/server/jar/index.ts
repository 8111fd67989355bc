import { REQUEST_OBJECT_ALGORITHMS } from '../../protocol/rfc9101/request-object.js'
import type { Capability } from '../context.js'
import { unpackRequestObject } from './request-object.js'

/** Options of `signedRequestObjects`. */
export interface SignedRequestObjectOptions {
  /**
   * Every client must send signed request objects (RFC 9101 §10.5 `require_signed_request_object` in
   * discovery); default false, when only clients registered with the flag must.
   */
  readonly required?: boolean
}

/**
 * JWT-secured authorization requests (RFC 9101), by value: `request=<signed JWT>` at `/authorize` and at
 * the pushed authorization request endpoint (RFC 9126 §3). The object is verified with the client's
 * registered keys (`jwks` / `jwks_uri`) and an asymmetric algorithm (RS256, PS256, ES256, EdDSA; never
 * `none` or HMAC); `typ` `oauth-authz-req+jwt` is expected, `JWT` or none tolerated; `iss` is the client,
 * `aud` the issuer, `exp` required and at most 60 minutes away, a `jti` single-use. Its claims are the
 * request: parameters sent beside it are ignored, except `client_id`, which must match. `request_uri` by
 * URL stays unsupported (never fetched). With `required`, or for a client registered with
 * `require_signed_request_object`, every other request is refused, pushed ones included.
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [pushedAuthorizationRequests(), signedRequestObjects()] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9101
 */
export function signedRequestObjects(options: SignedRequestObjectOptions = {}): Capability {
  const required = options.required ?? false
  if (typeof required !== 'boolean') throw new TypeError('signedRequestObjects: required must be a boolean')
  return {
    name: 'signed-request-objects',
    spec: 'RFC 9101',
    metadata: () => ({
      // OIDC Discovery §3; RFC 9101 §10.5 (`require_signed_request_object`, only said when it is true).
      request_parameter_supported: true,
      request_object_signing_alg_values_supported: [...REQUEST_OBJECT_ALGORITHMS],
      ...(required ? { require_signed_request_object: true } : {}),
    }),
    requestObjects: {
      unpack: unpackRequestObject,
      required: (client) => required || client.require_signed_request_object,
    },
  }
}
