import { CODE_CHALLENGE_METHODS } from '../protocol/rfc7636/pkce.js'
import type { Capability } from './context.js'
import { rfc6749ClientAuthentication } from './client-authentication.js'
import { authorizeEndpoint } from './endpoints/authorize.js'
import { discoveryEndpoint } from './endpoints/discovery.js'
import { introspectionEndpoint } from './endpoints/introspect.js'
import { showInteraction, submitConsent, submitLogin } from './endpoints/interaction.js'
import { jwksEndpoint } from './endpoints/jwks.js'
import { logoutEndpoint } from './endpoints/logout.js'
import { revocationEndpoint } from './endpoints/revoke.js'
import { tokenEndpoint } from './endpoints/token.js'
import { userinfoEndpoint } from './endpoints/userinfo.js'
import { authorizationCodeGrant } from './grants/authorization-code.js'
import { clientCredentialsGrant } from './grants/client-credentials.js'
import { refreshTokenGrant } from './grants/refresh-token.js'
import { DEFAULT_KEY_ALGORITHMS } from './key-set.js'
import { dpop } from './dpop/index.js'
import { jwtClientAuthentication } from './rfc7523/index.js'
import { secondFactors } from './mfa/index.js'
import { submitSecondFactor } from './mfa/second-step.js'
import { pageTheme } from './theme/index.js'

const INTERACTION_ID = '([A-Za-z0-9_-]{1,64})'

/** RFC 8414 and OpenID Connect Discovery 1.0: the metadata document at both well-known paths, and the keys (RFC 7517). */
export const discovery: Capability = {
  name: 'discovery',
  spec: 'RFC 8414, OpenID Connect Discovery 1.0 §4, RFC 7517 §5',
  endpoints: [
    {
      name: 'discovery', path: '/.well-known/openid-configuration', aliases: ['/.well-known/oauth-authorization-server'],
      methods: ['GET'], handle: (ctx) => discoveryEndpoint(ctx),
    },
    { name: 'jwks', path: '/jwks', methods: ['GET'], metadata: 'jwks_uri', handle: (ctx) => jwksEndpoint(ctx) },
  ],
  metadata: (ctx) => ({ scopes_supported: ctx.config.scopesSupported }),
}

/**
 * The authorization endpoint with the user's login and consent, and the code grant: RFC 6749 §3.1 and
 * §4.1, PKCE (RFC 7636, S256 only), the `iss` response parameter (RFC 9207), OpenID Connect Core §3.1.
 */
export const authorizationCode: Capability = {
  name: 'authorization-code',
  spec: 'RFC 6749 §4.1, RFC 7636, RFC 9207, OpenID Connect Core 1.0 §3.1',
  endpoints: [
    { name: 'authorization', path: '/authorize', methods: ['GET', 'POST'], metadata: 'authorization_endpoint', html: true, handle: (ctx, req) => authorizeEndpoint(ctx, req) },
    {
      name: 'interaction', path: '/interaction', html: true,
      below: [
        { pattern: new RegExp(`^/${INTERACTION_ID}$`), methods: ['GET'], handle: (ctx, req, [id]) => showInteraction(ctx, req, id ?? '') },
        { pattern: new RegExp(`^/${INTERACTION_ID}/login$`), methods: ['POST'], handle: (ctx, req, [id]) => submitLogin(ctx, req, id ?? '') },
        { pattern: new RegExp(`^/${INTERACTION_ID}/consent$`), methods: ['POST'], handle: (ctx, req, [id]) => submitConsent(ctx, req, id ?? '') },
        { pattern: new RegExp(`^/${INTERACTION_ID}/second-factor$`), methods: ['POST'], handle: (ctx, req, [id]) => submitSecondFactor(ctx, req, id ?? '') },
      ],
    },
  ],
  grants: [authorizationCodeGrant],
  metadata: () => ({
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    code_challenge_methods_supported: [...CODE_CHALLENGE_METHODS],
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    // OIDC Core §5.5: only `id_token.acr` (essential) is acted on, for step-up; other members are ignored.
    claims_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
  }),
}

/** The token endpoint and client authentication by secret or none (RFC 6749 §2.3, §3.2). */
export const tokenEndpointCapability: Capability = {
  name: 'token-endpoint',
  spec: 'RFC 6749 §2.3, §3.2, §5',
  endpoints: [{ name: 'token', path: '/token', metadata: 'token_endpoint', handle: (ctx, req) => tokenEndpoint(ctx, req) }],
  clientAuthentication: rfc6749ClientAuthentication,
  // RFC 8707: `resource` at the authorization and token endpoints. Always: `tessera-oidc resource create` can add an API to a running server, and `resource` is validated either way.
  // `scopes_supported` lists the configured APIs' scopes only (RFC 8414 §2: it need not be complete).
  metadata: () => ({ resource_indicators_supported: true }),
}

/** Refresh tokens with rotation and reuse detection (RFC 6749 §6, RFC 9700 §4.14.2). */
export const refreshToken: Capability = {
  name: 'refresh-token',
  spec: 'RFC 6749 §6, RFC 9700 §4.14.2',
  grants: [refreshTokenGrant],
}

/** Machine-to-machine tokens for confidential clients (RFC 6749 §4.4). */
export const clientCredentials: Capability = {
  name: 'client-credentials',
  spec: 'RFC 6749 §4.4',
  grants: [clientCredentialsGrant],
}

/** Token revocation (RFC 7009). */
export const revocation: Capability = {
  name: 'token-revocation',
  spec: 'RFC 7009',
  endpoints: [{ name: 'revocation', path: '/revoke', metadata: 'revocation_endpoint', handle: (ctx, req) => revocationEndpoint(ctx, req) }],
}

/** Token introspection (RFC 7662). */
export const introspection: Capability = {
  name: 'token-introspection',
  spec: 'RFC 7662',
  endpoints: [{ name: 'introspection', path: '/introspect', metadata: 'introspection_endpoint', handle: (ctx, req) => introspectionEndpoint(ctx, req) }],
}

/** ID tokens and the UserInfo endpoint (OpenID Connect Core 1.0 §2, §5.3). */
export const openIdConnect: Capability = {
  name: 'openid-connect',
  spec: 'OpenID Connect Core 1.0 §2, §5',
  endpoints: [{ name: 'userinfo', path: '/userinfo', metadata: 'userinfo_endpoint', handle: (ctx, req) => userinfoEndpoint(ctx, req) }],
  metadata: () => ({
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...DEFAULT_KEY_ALGORITHMS],
    claims_supported: [
      'sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'amr', 'nonce', 'azp', 'sid', 'at_hash', 'name', 'given_name', 'family_name',
      'picture', 'preferred_username', 'updated_at', 'email', 'email_verified',
    ],
  }),
}

/** OpenID Connect RP-Initiated Logout 1.0. */
export const rpInitiatedLogout: Capability = {
  name: 'rp-initiated-logout',
  spec: 'OpenID Connect RP-Initiated Logout 1.0',
  endpoints: [{ name: 'endSession', path: '/logout', methods: ['GET', 'POST'], metadata: 'end_session_endpoint', html: true, handle: (ctx, req) => logoutEndpoint(ctx, req) }],
}

/** What every Tessera server has; `capabilities` in the configuration adds to these. */
export const CORE_CAPABILITIES: readonly Capability[] = [
  discovery, authorizationCode, tokenEndpointCapability, jwtClientAuthentication, refreshToken, clientCredentials, revocation, introspection, openIdConnect, rpInitiatedLogout, dpop, secondFactors, pageTheme,
]
