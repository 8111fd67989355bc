import type { Capability } from '../context.js'
import { REGISTRATION_AUDIT_EVENTS } from './audit-events.js'
import { configurationEndpoint } from './configuration-endpoint.js'
import { resolveRegistrationOptions, type DynamicRegistrationOptions } from './options.js'
import { registrationEndpoint } from './registration-endpoint.js'

export { createInitialAccessToken, INITIAL_ACCESS_TOKEN, listInitialAccessTokens, revokeInitialAccessToken, type InitialAccessToken, type InitialAccessTokenInfo } from './initial-access-tokens.js'
export { isRegistrationPolicy, REGISTRATION_POLICIES, type DynamicRegistrationOptions, type RegistrationPolicy } from './options.js'

/** Client ids this server generates (base64url); the configuration endpoint answers no other path. */
const CLIENT_ID = '([A-Za-z0-9_-]{1,128})'

/**
 * Dynamic client registration (RFC 7591) and its management (RFC 7592): `POST /register`
 * (`registration_endpoint`) and `GET|PUT|DELETE /register/{client_id}`. Not part of the core: a server
 * registers it only when registration is not `off` (`tessera-oidc serve --registration open|token`).
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [dynamicRegistration({ policy: 'token' })] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7591
 * @see https://www.rfc-editor.org/rfc/rfc7592
 */
export function dynamicRegistration(options: DynamicRegistrationOptions): Capability {
  const resolved = resolveRegistrationOptions(options)
  return {
    name: 'dynamic-client-registration',
    spec: 'RFC 7591, RFC 7592, OpenID Connect Dynamic Client Registration 1.0',
    endpoints: [
      {
        name: 'registration', path: '/register', methods: ['POST'], metadata: 'registration_endpoint',
        handle: (ctx, request) => registrationEndpoint(ctx, request, resolved),
        below: [
          {
            pattern: new RegExp(`^/${CLIENT_ID}$`), methods: ['GET', 'PUT', 'DELETE'],
            handle: (ctx, request, [clientId]) => configurationEndpoint(ctx, request, clientId ?? '', resolved),
          },
        ],
      },
    ],
    auditEvents: REGISTRATION_AUDIT_EVENTS,
  }
}
