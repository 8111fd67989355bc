import { publicJsonResponse } from '../../http/response.js'
import type { OAuthResponse } from '../../http/types.js'
import { CODE_CHALLENGE_METHODS } from '../../protocol/rfc7636/pkce.js'
import type { ServerContext } from '../context.js'
import { DEFAULT_KEY_ALGORITHMS } from '../key-set.js'

/**
 * Authorization server metadata: one document served at both `/.well-known/openid-configuration`
 * (OIDC Discovery §4) and `/.well-known/oauth-authorization-server` (RFC 8414 §3). `issuer` is the
 * configured string, never rebuilt from request headers (RFC 8414 §3.3).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function serverMetadata(ctx: ServerContext): Record<string, unknown> {
  const { urls, config } = ctx
  return {
    issuer: config.issuer,
    authorization_endpoint: urls.authorization,
    token_endpoint: urls.token,
    userinfo_endpoint: urls.userinfo,
    jwks_uri: urls.jwks,
    revocation_endpoint: urls.revocation,
    introspection_endpoint: urls.introspection,
    end_session_endpoint: urls.endSession,
    scopes_supported: config.scopesSupported,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...DEFAULT_KEY_ALGORITHMS],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: [...CODE_CHALLENGE_METHODS],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'azp', 'sid', 'at_hash', 'name', 'given_name', 'family_name', 'picture', 'preferred_username', 'updated_at', 'email', 'email_verified'],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    authorization_response_iss_parameter_supported: true,
    resource_indicators_supported: config.resources.length > 0,
  }
}

export function discoveryEndpoint(ctx: ServerContext): OAuthResponse {
  return publicJsonResponse(serverMetadata(ctx), 300)
}
