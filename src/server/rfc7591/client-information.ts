import { OAuthError } from '../../errors.js'
import { jsonResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { bearerChallenge } from '../../protocol/rfc6750/challenge.js'
import { extractBearerToken } from '../../protocol/rfc6750/bearer.js'
import { validateClientMetadata, type ClientMetadata, type RegistrationRules } from '../../protocol/rfc7591/client-metadata.js'
import { RateLimitedError } from '../abuse/client-limits.js'
import type { ServerContext } from '../context.js'
import { DEFAULT_KEY_ALGORITHMS } from '../key-set.js'
import type { ClientRecord } from '../../storage/types.js'
import { loadResources } from '../resources/directory.js'
import type { ResolvedRegistrationOptions } from './options.js'
import { BACKCHANNEL_LOGOUT_CAPABILITY } from '../backchannel-logout/registration.js'

/** The registration rules of this server: its grants, authentication methods, scopes and ID token algorithms. */
export async function registrationRules(ctx: ServerContext, options: ResolvedRegistrationOptions): Promise<RegistrationRules> {
  return {
    grantTypes: ctx.registry.grants,
    authMethods: ctx.registry.authMethods,
    // Stored resources count too: a client registering for an API created with `tessera-oidc resource create`.
    scopes: options.scopes ?? (await loadResources(ctx)).scopesSupported,
    signingAlgorithms: DEFAULT_KEY_ALGORITHMS,
    allowLoopbackHttp: ctx.config.outbound.allowLoopback === true,
    // Validated and kept by the back-channel logout capability (src/server/backchannel-logout/), when registered.
    extensionMembers: ctx.registry.capabilities.some((capability) => capability.name === BACKCHANNEL_LOGOUT_CAPABILITY) ? ['backchannel_logout_uri'] : [],
  }
}

/** RFC 7591 §3.1: the body is a JSON object (`application/json`); anything else is invalid metadata. */
export async function metadataOf(ctx: ServerContext, request: OAuthRequest, options: ResolvedRegistrationOptions): Promise<ClientMetadata> {
  return validateClientMetadata(jsonBody(request), await registrationRules(ctx, options))
}

export function jsonBody(request: OAuthRequest): unknown {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json') throw new OAuthError('invalid_client_metadata', 'The request body must be application/json')
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(request.body ?? new Uint8Array()))
  } catch {
    throw new OAuthError('invalid_client_metadata', 'The request body is not valid JSON')
  }
}

/** The bearer token of the `Authorization` header (RFC 6750 §2.1), or undefined when none was sent. */
export function bearerOf(request: OAuthRequest): string | undefined {
  return extractBearerToken({ authorization: request.headers.get('authorization'), queryToken: request.url.searchParams.has('access_token') })
}

/**
 * The client information response of RFC 7591 §3.2.1 and RFC 7592 §3: every registered metadata member
 * under its registered name, plus the credentials issued now (the secret only when it was just made).
 */
export function clientInformation(
  ctx: ServerContext, client: ClientRecord, credentials: { clientSecret?: string | undefined; registrationAccessToken: string },
  /** Members kept by other capabilities beside the client (`backchannel_logout_uri`). */
  more: Record<string, unknown> = {},
): Record<string, unknown> {
  const information: Record<string, unknown> = {
    client_id: client.client_id,
    client_id_issued_at: client.created_at,
    ...(credentials.clientSecret === undefined ? {} : { client_secret: credentials.clientSecret }),
    // RFC 7591 §3.2.1: the time the secret stops authenticating, enforced at client authentication
    // (`dynamicRegistration({ clientSecretSeconds })`); 0 = it does not expire (an unused client may, see `expires_at`).
    ...(client.token_endpoint_auth_method === 'none' || client.token_endpoint_auth_method === 'private_key_jwt' ? {} : { client_secret_expires_at: client.client_secret_expires_at ?? 0 }),
    registration_access_token: credentials.registrationAccessToken,
    registration_client_uri: configurationUri(ctx, client.client_id),
    client_name: client.client_name,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris,
    grant_types: client.grant_types,
    response_types: client.grant_types.includes('authorization_code') ? ['code'] : [],
    scope: client.scopes.join(' '),
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    application_type: client.application_type,
    id_token_signed_response_alg: client.id_token_signed_response_alg,
    contacts: client.contacts,
    require_pushed_authorization_requests: client.require_pushed_authorization_requests,
    require_signed_request_object: client.require_signed_request_object,
    ...(client.request_object_signing_alg === null ? {} : { request_object_signing_alg: client.request_object_signing_alg }),
    dpop_bound_access_tokens: client.dpop_bound_access_tokens,
    ...more,
  }
  if (client.jwks !== null) information.jwks = client.jwks
  if (client.jwks_uri !== null) information.jwks_uri = client.jwks_uri
  if (client.token_endpoint_auth_signing_alg !== null) information.token_endpoint_auth_signing_alg = client.token_endpoint_auth_signing_alg
  for (const name of ['client_uri', 'logo_uri', 'policy_uri', 'tos_uri'] as const) {
    const value = client[name]
    if (value !== null) information[name] = value
  }
  return information
}

/** RFC 7592 §1: the client configuration endpoint of one client. */
export function configurationUri(ctx: ServerContext, clientId: string): string {
  return `${ctx.urls.registration ?? ''}/${encodeURIComponent(clientId)}`
}

/**
 * RFC 7591 §3.2.2 errors as JSON; a missing or refused bearer token as RFC 6750 §3 (401 with the
 * challenge, no error code when none was sent); limits as 429 with `Retry-After`.
 */
export function registrationError(ctx: ServerContext, error: OAuthError, tokenSent: boolean): OAuthResponse {
  const headers: Record<string, string> = {}
  if (error.status === 401) headers['WWW-Authenticate'] = bearerChallenge({ realm: ctx.config.issuer, ...(tokenSent ? { error } : {}) })
  if (error instanceof RateLimitedError) headers['Retry-After'] = String(error.retryAfter)
  const body = error.status === 401 && !tokenSent ? { error: 'invalid_token', error_description: 'A bearer token is required' } : error.toJSON()
  return jsonResponse(error.status, body, headers)
}

/** RFC 6750 §3.1 `invalid_token`, the same for an unknown, expired, used or foreign token. */
export const INVALID_TOKEN = new OAuthError('invalid_token', 'The access token is not valid here', { status: 401 })
