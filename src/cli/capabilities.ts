import { AUDIT_EVENT_TYPES } from '../server/audit/events.js'
import type { Capability, Registry } from '../server/context.js'
import { CORE_CAPABILITIES } from '../server/core-capabilities.js'
import { createRegistry } from '../server/registry.js'
import { clientIdMetadataDocuments } from '../server/cimd/index.js'
import { dynamicRegistration, type RegistrationPolicy } from '../server/rfc7591/index.js'
import { pushedAuthorizationRequests } from '../server/par/index.js'
import { signedRequestObjects } from '../server/jar/index.js'
import { accountSelfService, type AccountOptions } from '../server/account/index.js'
import { jwtBearerGrant, type JwtBearerGrantOptions } from '../server/jwt-bearer/index.js'
import { federation, type FederationOptions } from '../server/federation/index.js'
import { deviceAuthorization, type DeviceAuthorizationOptions } from '../server/device/index.js'
import { tokenExchange, type TokenExchangeOptions } from '../server/token-exchange/index.js'
import { passkeys, type PasskeyOptions } from '../server/passkeys/index.js'
import { backchannelLogout } from '../server/backchannel-logout/index.js'
import { adminApi, type AdminApiOptions } from '../server/admin-api/index.js'
import { adminConsole, type AdminConsoleOptions } from '../server/admin-console/index.js'

/** What `tessera-oidc serve` flags choose among the optional capabilities. */
export interface ServeCapabilityOptions {
  /** `--registration`: dynamic client registration is registered only when not `off`. */
  readonly registration: RegistrationPolicy
  /** `--registration-unused-expiry`, seconds. */
  readonly registrationUnusedSeconds?: number | undefined
  /** `--client-metadata-documents`: https `client_id`s resolved from client ID metadata documents. */
  readonly clientMetadataDocuments?: boolean | undefined
  /** `--require-par`: every client must push its authorization requests (RFC 9126 §5). PAR itself is always on. */
  readonly requirePushedAuthorizationRequests?: boolean | undefined
  /** `--require-signed-request-object`: every client must sign its requests (RFC 9101 §10.5). JAR itself is always on. */
  readonly requireSignedRequestObject?: boolean | undefined
  /** `mail` and `account` of the configuration file: the account page is always on, mail-based parts with `mail`. */
  readonly account?: AccountOptions | undefined
  /** The configuration file's `jwtBearer`: the JWT-bearer grant from these trusted issuers. */
  readonly jwtBearer?: JwtBearerGrantOptions | undefined
  /** The configuration file's `federation`: upstream identity providers on the login page. */
  readonly federation?: FederationOptions | undefined
  /** The configuration file's `deviceFlow`: lifetime and polling interval of the device flow (RFC 8628), always on. */
  readonly deviceFlow?: DeviceAuthorizationOptions | undefined
  /** The configuration file's `tokenExchange` (with `jwtBearer`'s trusted issuers): the token exchange grant. */
  readonly tokenExchange?: TokenExchangeOptions | undefined
  /** The configuration file's `passkeys` (when enabled): WebAuthn sign-in and second factor. */
  readonly passkeys?: PasskeyOptions | undefined
  /** `--admin-api` or the configuration file's `adminApi.enabled`: the admin HTTP API at /admin/v1, with `--admin-user`s as `admins`. */
  readonly adminApi?: AdminApiOptions | undefined
  /** `--admin-console` or the configuration file's `adminConsole.enabled`: the admin console at /admin (needs `adminApi`). */
  readonly adminConsole?: AdminConsoleOptions | undefined
}

/**
 * The capabilities `tessera-oidc serve` runs with beyond the core ones. Every command derives what it accepts
 * (grant types, authentication methods, audit event types) from the same registry as the server, so the
 * CLI never lists them itself.
 */
export function serveCapabilities(options: ServeCapabilityOptions): Capability[] {
  const { registration, registrationUnusedSeconds } = options
  return [
    ...(registration === 'off'
      ? []
      : [dynamicRegistration({ policy: registration, ...(registrationUnusedSeconds === undefined ? {} : { unusedClientSeconds: registrationUnusedSeconds }) })]),
    ...(options.clientMetadataDocuments ? [clientIdMetadataDocuments()] : []),
    pushedAuthorizationRequests({ required: options.requirePushedAuthorizationRequests ?? false }),
    signedRequestObjects({ required: options.requireSignedRequestObject ?? false }),
    deviceAuthorization(options.deviceFlow ?? {}),
    accountSelfService(options.account ?? {}),
    ...(options.jwtBearer ? [jwtBearerGrant(options.jwtBearer)] : []),
    ...(options.federation && options.federation.upstreams.length > 0 ? [federation(options.federation)] : []),
    ...(options.tokenExchange ? [tokenExchange(options.tokenExchange)] : []),
    ...(options.passkeys ? [passkeys(options.passkeys)] : []),
    ...(options.adminApi ? [adminApi(options.adminApi)] : []),
    ...(options.adminApi && options.adminConsole ? [adminConsole(options.adminConsole)] : []),
    // Sends nothing until a client registers a backchannel_logout_uri.
    backchannelLogout(),
  ]
}

/**
 * Everything `tessera-oidc serve` can run with, whatever its flags: the CLI's commands accept every grant type,
 * authentication method and audit event type a server of this version may have (a registration audit
 * event is readable after the server ran with `--registration`).
 */
export const cliRegistry: Registry = createRegistry([
  ...CORE_CAPABILITIES,
  ...serveCapabilities({
    registration: 'token',
    clientMetadataDocuments: true,
    account: { mail: { send: () => Promise.resolve() }, registration: true },
    jwtBearer: { issuers: [] },
    federation: { upstreams: [{ id: 'any', issuer: 'https://idp.example', clientId: 'tessera', tokenEndpointAuthMethod: 'none' }] },
    tokenExchange: {},
    passkeys: {},
    adminApi: {},
    adminConsole: {},
  }),
])

/** Every audit event type the server may record: the core ones and its capabilities'. */
export function auditEventTypes(registry: Registry = cliRegistry): string[] {
  return [...AUDIT_EVENT_TYPES, ...registry.auditEvents.keys()]
}
