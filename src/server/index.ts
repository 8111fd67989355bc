/**
 * `tessera-oidc/server`: the OAuth 2.0 authorization server and OpenID provider.
 *
 * @example
 * ```ts
 * import { createAuthorizationServer } from 'tessera-oidc/server'
 * import { openSqliteStore } from 'tessera-oidc/storage/sqlite'
 *
 * const store = await openSqliteStore({ filename: './data/tessera.db' })
 * const server = await createAuthorizationServer({ issuer: 'http://localhost:4000', store, secret: process.env.TESSERA_SECRET! })
 * ```
 *
 * @module tessera-oidc/server
 */
export { createAuthorizationServer, type AuthorizationServer, type FetchInfo } from './create-server.js'
export { ConfigError, type AuthorizationServerConfig, type DevelopmentSettings, type Lifetimes, type ResourceConfig } from './config.js'
export { defaultPageRenderer, type AccountField, type AccountForm, type AccountFormView, type AccountItem, type AccountSectionView, type AccountView, type ConsentResource, type ConsentView, type DeviceView, type ErrorView, type LoggedOutView, type LoginAlternative, type LoginView, type LogoutConfirmView, type MessageKey, type PageEnvironment, type PageRenderer, type PasskeyItemView, type PasskeySettingsView, type PasskeySignInView, type SecondFactorView, type TotpEnrolmentView, type Translator, type TwoFactorSettingsView } from './pages.js'
export { BUILT_IN_CATALOGUES, catalogueProblems, createTranslator, de, en, MESSAGE_KEYS, type Messages, type PageTheme, type SafeHtml } from '../ui/index.js'
export { LOGO_CONTENT_TYPES, type LogoContentType, type ThemeConfig, type UiConfig } from './theme/index.js'
export { createClient, createUser, ValidationError, type CreatedClient, type NewClientInput, type NewUserInput } from './admin.js'
export { rotateSigningKeys, ensureSigningKeys, DEFAULT_KEY_ALGORITHMS } from './key-set.js'
export { deleteClient, deleteUser, resealClientSecrets, revokeConsent, revokeUserGrants, rotateClientSecret, setClientDisabled, setUserDisabled, updateClient, updateUser, type AdminOptions, type ClientChanges, type UserChanges } from './admin.js'
export { createAuditSink, DEFAULT_AUDIT_RETENTION, type AuditSink, type AuditSinkOptions } from './audit/sink.js'
export { LOG_OPTIONS } from './audit/redaction.js'
export type { CurrentSession } from './session.js'
export { AUDIT_EVENT_TYPES, type AuditActor, type AuditEvent, type AuditEventType, type LoginFailureReason } from './audit/events.js'
export type {
  AccountPageState, AccountSection, Capability, ClientAuthenticationMethod, ClientSource, CredentialReader, Endpoint, EndpointHandler, EndpointUrls, Grant, HttpMethod, Registry, RequestObjects, RequestReferences, RouteMatch, TokenBinding,
  ServerContext, SubRoute, AuthenticatingEndpoint, PresentedClientCredentials, LoginChoice, LoginMethods,
} from './context.js'
export { CORE_CAPABILITIES } from './core-capabilities.js'
export { jwtClientAuthentication } from './rfc7523/index.js'
export type { AssertionPolicy } from '../protocol/rfc7523/client-assertion.js'
export { createInitialAccessToken, dynamicRegistration, isRegistrationPolicy, REGISTRATION_POLICIES, type DynamicRegistrationOptions, type RegistrationPolicy } from './rfc7591/index.js'
export { clientIdMetadataDocuments, type ClientIdMetadataDocumentOptions } from './cimd/index.js'
export { pushedAuthorizationRequests, REQUEST_URI_PREFIX, type PushedAuthorizationRequestOptions } from './par/index.js'
export { deviceAuthorization, DEVICE_CODE_GRANT_TYPE, type DeviceAuthorizationOptions } from './device/index.js'
export { FAPI2_ALGORITHMS, SERVER_PROFILES, type ServerProfile } from './fapi2/index.js'
export { createFapi2Client } from './fapi2/create-client.js'
export { ACR_MFA, ACR_PASSWORD, ACR_VALUES, grantMeetsPolicy, secondFactors, setClientRequireMfa, setUserRequireMfa } from './mfa/index.js'
export { resetSecondFactor, secondFactorStatus } from './mfa/admin.js'
export { signedRequestObjects, type SignedRequestObjectOptions } from './jar/index.js'
export { accountSelfService, checkAccountForm, backToAccount, ACCOUNT_CLIENT_ID, type AccountOptions } from './account/index.js'
export { createSmtpMailer, type MailMessage, type Mailer, type SmtpSettings } from './mail/index.js'
export { jwtBearerGrant, ID_JAG_TYPE, JWT_BEARER_GRANT_TYPE, type GrantSubject, type JwtBearerGrantOptions, type SubjectMapping, type TrustedIssuer } from './jwt-bearer/index.js'
export {
  tokenExchange, setTokenExchangePolicy, storedTokenExchangePolicy, tokenExchangePolicyProblem, EXCHANGEABLE_SUBJECT_TYPES, TOKEN_EXCHANGE_GRANT_TYPE, TOKEN_TYPES,
  type ExchangeableSubjectType, type IdJagTarget, type TokenExchangeOptions, type TokenExchangePolicy,
} from './token-exchange/index.js'
export { federation, setClientUpstreams, clientUpstreams, LINK_CSRF_PURPOSE, type FederationOptions, type MappedAttribute, type UpstreamProvider } from './federation/index.js'
export { federatedIdentities, type FederatedIdentities, type FederatedIdentity } from '../storage/kinds/federated-identities.js'
export { passkeys, type PasskeyFailure, type PasskeyOptions } from './passkeys/index.js'
export { adminApi, ADMIN_SCOPES, type AdminApiOptions, type AdminScope } from './admin-api/index.js'
export { adminConsole, ADMIN_CONSOLE_CLIENT_ID, type AdminApiAnswer, type AdminApiMethod, type AdminConsoleOptions, CONSOLE_SECTIONS, type ConsolePage, type ConsoleRequest, type ConsoleResult, type ConsoleSection } from './admin-console/index.js'
export { passkeyCredentials, type PasskeyCredential, type PasskeyCredentials } from '../storage/kinds/passkeys.js'
export { findClient } from './find-client.js'
export { backchannelLogout, clientBackchannelLogout, setClientBackchannelLogout, type BackchannelLogoutCapability, type BackchannelLogoutOptions, type BackchannelLogoutSettings } from './backchannel-logout/index.js'
export type { EndedSession, SessionEndReason, SessionListener } from './context.js'
export type { BackchannelLogoutClientMetadata } from '../protocol/oidc-backchannel-logout/client-metadata.js'
export { createRegistry, RegistryError } from './registry.js'
export { combineObservers, type RequestObservation, type ServerObserver } from './observer.js'
export { createPrometheusMetrics, type PrometheusMetrics, type PrometheusMetricsOptions } from './metrics/prometheus.js'
export { createOpenTelemetryObserver, type OpenTelemetryObserverOptions } from './metrics/opentelemetry.js'
export { createStoredResource, deleteStoredResource, type CreatedResource } from './resources/resource-admin.js'
export { listStoredResources, type StoredResource } from './resources/stored-resources.js'
export type { ClientRules } from './admin.js'
export type { AuthorizationRequest, Prompt } from '../protocol/rfc6749/authorization-request.js'
export { DEFAULT_CLIENT_LIMITS, RateLimitedError, type ClientLimitPolicy } from './abuse/client-limits.js'
export { DEFAULT_LOGIN_POLICY, type LoginThrottlePolicy } from './abuse/login-throttle.js'
export { createMemoryCounterStore, type CounterStore } from './abuse/counter.js'
export { createClientAddressResolver, type ClientAddressResolver, type ForwardedHeader } from '../http/client-address.js'
export { OAuthError, type OAuthErrorCode } from '../errors.js'
export type { OAuthRequest, OAuthResponse } from '../http/types.js'
export type { OutboundPolicy } from '../http/guarded-fetch.js'
