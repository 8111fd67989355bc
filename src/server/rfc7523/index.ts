import { readClientAssertion, ASYMMETRIC_ASSERTION_ALGORITHMS, HMAC_ASSERTION_ALGORITHMS } from '../../protocol/rfc7523/client-assertion.js'
import type { Capability, CredentialReader } from '../context.js'
import { verifyClientAssertion } from './verify-assertion.js'

/** Reads `client_assertion` (RFC 7521 §4.2); the header's `alg` tells the two methods apart. */
const assertionReader: CredentialReader = {
  name: 'rfc7523',
  read(headers, params) {
    const presented = readClientAssertion(headers, params)
    if (!presented) return undefined
    const method = presented.alg.startsWith('HS') ? 'client_secret_jwt' : 'private_key_jwt'
    return { method, clientId: presented.clientId, clientSecret: undefined, assertion: presented.assertion }
  },
}

const SIGNING_ALGORITHMS = [...ASYMMETRIC_ASSERTION_ALGORITHMS, ...HMAC_ASSERTION_ALGORITHMS]

/**
 * JWT client authentication, `private_key_jwt` and `client_secret_jwt` (RFC 7523 §2.2, OpenID Connect
 * Core §9), at the token, revocation and introspection endpoints (and whatever else calls
 * `authenticateClient`). The assertion's audience is the issuer identifier alone (7523bis §4; the
 * configuration's `clientAssertions.legacyAudiences` relaxes it), its lifetime bounded, its `jti` single use.
 * Keys come from the client's `jwks` or `jwks_uri`; a `client_secret_jwt` client's secret is kept sealed.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export const jwtClientAuthentication: Capability = {
  name: 'jwt-client-authentication',
  spec: 'RFC 7523 §2.2, OpenID Connect Core 1.0 §9',
  clientAuthentication: [
    { method: 'private_key_jwt', confidential: true, reader: assertionReader, verify: (ctx, client, presented) => verifyClientAssertion(ctx, client, presented, 'private_key_jwt') },
    { method: 'client_secret_jwt', confidential: true, reader: assertionReader, verify: (ctx, client, presented) => verifyClientAssertion(ctx, client, presented, 'client_secret_jwt') },
  ],
  // RFC 8414 §2: the algorithms for the JWT methods at each endpoint that accepts them.
  metadata: (ctx) => ({
    token_endpoint_auth_signing_alg_values_supported: SIGNING_ALGORITHMS,
    ...(ctx.urls.revocation ? { revocation_endpoint_auth_signing_alg_values_supported: SIGNING_ALGORITHMS } : {}),
    ...(ctx.urls.introspection ? { introspection_endpoint_auth_signing_alg_values_supported: SIGNING_ALGORITHMS } : {}),
  }),
}
