import type { ClientMetadata } from '../protocol/rfc7591/client-metadata.js'
import type { ClientRecord } from '../storage/types.js'

/*
 * A client the server did not vet, from its self-asserted metadata (RFC 7591 §5): registered dynamically
 * (rfc7591/) or described by a client ID metadata document (cimd/). Both get the same settings.
 */

/** The client's settings from validated metadata: a registration, an RFC 7592 update, a metadata document. */
export function clientSettings(metadata: ClientMetadata, registeredBy: 'dynamic' | 'metadata_document' = 'dynamic'): Omit<
  ClientRecord, 'client_id' | 'client_secret_hash' | 'created_at' | 'registration_access_token_hash' | 'expires_at' | 'client_secret_expires_at' | 'disabled' | 'client_secret_sealed'
> {
  return {
    client_name: metadata.client_name ?? defaultName(metadata),
    redirect_uris: metadata.redirect_uris,
    post_logout_redirect_uris: metadata.post_logout_redirect_uris,
    grant_types: metadata.grant_types,
    scopes: metadata.scopes,
    token_endpoint_auth_method: metadata.token_endpoint_auth_method,
    id_token_signed_response_alg: metadata.id_token_signed_response_alg,
    // Nobody vetted it: the user is always asked (catalogue DR-08).
    skip_consent: false,
    application_type: metadata.application_type,
    client_uri: metadata.client_uri,
    logo_uri: metadata.logo_uri,
    policy_uri: metadata.policy_uri,
    tos_uri: metadata.tos_uri,
    contacts: metadata.contacts,
    registered_by: registeredBy,
    jwks: metadata.jwks,
    jwks_uri: metadata.jwks_uri,
    token_endpoint_auth_signing_alg: metadata.token_endpoint_auth_signing_alg,
    require_pushed_authorization_requests: metadata.require_pushed_authorization_requests,
    dpop_bound_access_tokens: metadata.dpop_bound_access_tokens,
    request_object_signing_alg: metadata.request_object_signing_alg,
    require_signed_request_object: metadata.require_signed_request_object,
  }
}

/** A nameless client is shown by the host its codes go to, which is what the user needs to judge it. */
function defaultName(metadata: ClientMetadata): string {
  const first = metadata.redirect_uris[0]
  return first === undefined ? 'Unnamed application' : new URL(first).host || 'Unnamed application'
}
