import type { ClientRecord } from '../storage/types.js'

/**
 * A client of Tessera's own through which one of its pages signs the user in at its own `/authorize` (the
 * account page, the device verification page): public, code flow only, no consent, one callback. Such
 * clients are resolved by a capability's client source, never stored.
 */
export function builtInSignInClient(clientId: string, name: string, callbackUrl: string): ClientRecord {
  return {
    client_id: clientId, client_secret_hash: null, client_name: name, redirect_uris: [callbackUrl],
    post_logout_redirect_uris: [], grant_types: ['authorization_code'], scopes: ['openid'], token_endpoint_auth_method: 'none',
    id_token_signed_response_alg: 'ES256', skip_consent: true, created_at: 0, application_type: 'web', client_uri: null, logo_uri: null,
    policy_uri: null, tos_uri: null, contacts: [], registered_by: 'operator', registration_access_token_hash: null, expires_at: null,
    client_secret_expires_at: null, disabled: false, jwks: null, jwks_uri: null, token_endpoint_auth_signing_alg: null,
    client_secret_sealed: null, require_pushed_authorization_requests: false, dpop_bound_access_tokens: false,
    request_object_signing_alg: null, require_signed_request_object: false,
  }
}
