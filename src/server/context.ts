import type { ResolvedConfig } from './settings.js'
import type { AuditSink } from './audit/sink.js'
import type { ClientLimits } from './abuse/client-limits.js'
import type { LoginThrottle } from './abuse/login-throttle.js'
import type { KeySet } from './key-set.js'
import type { AccessTokenVerifications } from './tokens/verifications.js'
import type { Parameters } from '../http/form.js'
import type { OAuthRequest, OAuthResponse } from '../http/types.js'
import type { AuthorizationRequest } from '../protocol/rfc6749/authorization-request.js'
import type { PresentedClientCredentials as Rfc6749Credentials } from '../protocol/rfc6749/client-credentials.js'
import type { ClientRecord, InteractionRecord, LoginSessionRecord, UserRecord } from '../storage/types.js'
import type { AccountSectionView, Translator } from './pages.js'

/**
 * Absolute URLs of the server's endpoints by endpoint name, derived once from the issuer and the
 * registered capabilities. The core endpoints are always there; a capability's endpoints appear under
 * the names they register.
 */
export interface EndpointUrls {
  readonly authorization: string
  readonly token: string
  readonly userinfo: string
  readonly jwks: string
  readonly revocation: string
  readonly introspection: string
  readonly endSession: string
  readonly interaction: string
  readonly [name: string]: string | undefined
}

// The contract between the server's core and its capabilities (src/server/registry.ts assembles them):
// what a capability contributes, and what its handlers receive.

/**
 * What every endpoint and grant receives: resolved configuration, the key set, the registry and the
 * server's caches and limits. No per-request state.
 */
export interface ServerContext {
  readonly config: ResolvedConfig
  readonly keys: KeySet
  readonly urls: EndpointUrls
  /** The capabilities this server was assembled from: routes, grants, client authentication methods. */
  readonly registry: Registry
  readonly loginThrottle: LoginThrottle
  /** The audit trail (src/server/audit/): security events to the log and the store. */
  readonly audit: AuditSink
  /** Failure limits at the token, introspection and revocation endpoints (catalogue RL-02, RL-03). */
  readonly clientLimits: ClientLimits
  /** Signature and claim checks of this server's JWT access tokens already made, until their `exp`. */
  readonly verifications: AccessTokenVerifications
}

/**
 * One unit of the authorization server, named after the specification it implements: the endpoints,
 * grants, client-authentication methods, discovery members and audit events it contributes. The server
 * is assembled from a list of capabilities (`CORE_CAPABILITIES` by default, plus those passed as
 * `capabilities` in the configuration); discovery, the admin functions and the CLI derive what the server
 * supports from that list, so a new capability is one folder plus one registration.
 *
 * @example
 * ```ts
 * const deviceFlow: Capability = {
 *   name: 'device-authorization',
 *   spec: 'RFC 8628',
 *   endpoints: [{ name: 'deviceAuthorization', path: '/device_authorization', methods: ['POST'], metadata: 'device_authorization_endpoint', handle: deviceAuthorizationEndpoint }],
 *   grants: [deviceCodeGrant],
 * }
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [deviceFlow] })
 * ```
 * @see docs/architecture.md "Add a grant", "Add an endpoint"
 */
export interface Capability {
  /** Unique, kebab-case: `token-revocation`. */
  readonly name: string
  /** Where the rules live, for readers and `tessera-oidc doctor`-style reports: `RFC 7009`. */
  readonly spec: string
  readonly endpoints?: readonly Endpoint[]
  /** Grant types of the token endpoint (RFC 6749 §4). */
  readonly grants?: readonly Grant[]
  /** Client authentication methods (RFC 7591 §2 `token_endpoint_auth_method` values). */
  readonly clientAuthentication?: readonly ClientAuthenticationMethod[]
  /**
   * Members this capability adds to the authorization server metadata (RFC 8414 §2, OIDC Discovery §3),
   * besides the `<endpoint>_endpoint` URLs its endpoints declare. Called for every discovery answer.
   */
  metadata?(ctx: ServerContext): Record<string, unknown>
  /** Audit event types it records, with their log level (anomalies an operator should look at: `warn`). */
  readonly auditEvents?: Readonly<Record<string, 'info' | 'warn'>>
  /** Clients the store does not hold, resolved by this capability (client ID metadata documents). */
  readonly clientSource?: ClientSource
  /** Authorization requests passed to `/authorize` by reference (RFC 9126 `request_uri`), resolved by this capability. */
  readonly requestReferences?: RequestReferences
  /** Authorization requests passed as a signed request object (RFC 9101 `request`), verified by this capability. */
  readonly requestObjects?: RequestObjects
  /** Sections this capability adds to the `/account` page (second factors, linked identities). */
  readonly accountSections?: readonly AccountSection[]
  /** Other ways to sign in that the login page offers besides the password form (upstream providers). */
  readonly loginMethods?: LoginMethods
  /** Told which clients a provider session served and when sessions end (back-channel logout). */
  readonly sessionListener?: SessionListener
  /**
   * Periodic work, run by `server.runBackgroundTasks()` (every few seconds in `tessera-oidc serve`): what
   * the CLI left in the store for a running server (queued back-channel logouts). Must not throw.
   */
  background?(ctx: ServerContext): Promise<void>
}

/** A provider session that ended: its public `sid` and its user. */
export interface EndedSession {
  readonly sid: string
  readonly user_id: string
}

/** Why provider sessions ended, for the audit trail. */
export type SessionEndReason = 'logout' | 'revoked' | 'password_changed' | 'user_deleted'

/**
 * Follows provider sessions (src/server/session-events.ts calls it). Both hooks are awaited on the user's
 * request path, so they do quick store work only and start anything slow (a delivery) in the background;
 * what they throw is logged and never fails the user's request.
 */
export interface SessionListener {
  /** A code was issued to `clientId` in the session `sid` of `userId`. */
  served?(ctx: ServerContext, session: { sid: string; userId: string }, clientId: string): Promise<void>
  /** Sessions ended (logout, revoked, the password changed, the user deleted — read before the user's records go). */
  ended?(ctx: ServerContext, sessions: readonly EndedSession[], reason: SessionEndReason): Promise<void>
}

/**
 * A section of the signed-in user's `/account` page (src/server/account/): its view model, built per
 * request. Its forms post to the capability's own routes, which check `checkAccountForm` (the session and
 * the page's CSRF token) and redirect back to `/account`. Sections appear by `order`, then registration.
 *
 * @example
 * ```ts
 * const twoFactor: AccountSection = {
 *   id: 'two-factor', order: 30,
 *   render: (ctx, { user }) => ({ id: 'two-factor', title: 'Two-step verification', links: [{ href: `${ctx.config.issuer}/account/two-factor`, label: 'Set up' }] }),
 * }
 * ```
 */
export interface AccountSection {
  /** Unique among sections: the section element's id. */
  readonly id: string
  /** Lower first; the core sections use 10 (profile), 20 (password), 40 (apps) and 50 (sessions). Default 100. */
  readonly order?: number
  /** The section for this user, or undefined to leave it out. */
  render(ctx: ServerContext, page: AccountPageState): Promise<AccountSectionView | undefined> | AccountSectionView | undefined
}

/** What an account section is rendered for: the signed-in user, their session, the page's CSRF token. */
export interface AccountPageState {
  readonly user: UserRecord
  readonly session: LoginSessionRecord
  readonly csrfToken: string
  /** The page's language: a section's texts are `t.text(key)` of the message catalogues (src/ui/messages/). */
  readonly t: Translator
}


/** A button of the login page besides the password form: a form POSTed to `action` with `hidden` and the CSRF token. */
export interface LoginChoice {
  /** What the button says: `Continue with Google`. */
  readonly label: string
  readonly action: string
  readonly hidden: Readonly<Record<string, string>>
  /**
   * Origins the form's answer redirects to (an upstream's authorization endpoint): the page's CSP
   * `form-action` must allow them, as Chromium applies it to the redirect that follows a form post.
   */
  readonly formActions?: readonly string[]
}

/**
 * Sign-in methods a capability adds to the login page of a pending interaction (federation: "Continue
 * with …"). The capability completes its sign-in and hands the user back with `continueAfterLogin`
 * (endpoints/interaction.ts), so the second factor, consent and the code are the same whichever way the
 * user signed in.
 */
export interface LoginMethods {
  /** The buttons for this client's interaction, in display order. */
  choices(ctx: ServerContext, client: ClientRecord, interaction: InteractionRecord, language?: Translator): Promise<readonly LoginChoice[]>
  /**
   * When the authorization request names one of this capability's methods (`idp_hint`), the response that
   * starts it at once instead of showing the page; undefined to show the page.
   */
  hinted(ctx: ServerContext, request: OAuthRequest, client: ClientRecord, interaction: InteractionRecord, hint: string): Promise<OAuthResponse | undefined>
}

/**
 * Authorization requests sent as a request object by value (RFC 9101 `request=`), at `/authorize` and at
 * the pushed authorization request endpoint. At most one capability registers it.
 */
export interface RequestObjects {
  /**
   * The request the object in `params.request` carries, verified for `client` (RFC 9101 §6): its claims
   * alone, as parameters. Throws `OAuthError` (`invalid_request_object`) when it cannot be used.
   */
  unpack(ctx: ServerContext, client: ClientRecord, params: Parameters): Promise<Parameters>
  /** Whether the client may only send signed request objects (RFC 9101 §10.5 `require_signed_request_object`). */
  required(client: ClientRecord): boolean
}

/**
 * Authorization requests that reach `/authorize` by reference: a `request_uri` the capability issued
 * (RFC 9126's `urn:ietf:params:oauth:request_uri:` values). The authorization endpoint asks every
 * registered source, before any login page, and uses the request it returns instead of the query; a
 * `request_uri` no source `handles` is refused, never fetched.
 */
export interface RequestReferences {
  /** Whether the value is of this source's form (a cheap check of the string: nothing is fetched or stored). */
  handles(requestUri: string): boolean
  /**
   * The request `clientId` pushed under `requestUri`, used up (single use). Throws `OAuthError`
   * `invalid_request_uri` for an unknown, expired, used or other client's reference.
   */
  resolve(ctx: ServerContext, clientId: string, requestUri: string): Promise<AuthorizationRequest>
  /** Whether every client must pass its requests this way (RFC 9126 §5 `require_pushed_authorization_requests`). */
  readonly requiredForAll: boolean
}

/**
 * Where clients come from besides the store: a capability that knows clients by an identifier of its own
 * form (an https URL naming a client ID metadata document). `findClient` (src/server/find-client.ts), the
 * one lookup behind authorization, token, revocation, consent, logout and token validation, asks the
 * store first — so a stored client is never shadowed — then the first source that `handles` the id. A
 * resolved client is never stored.
 */
export interface ClientSource {
  /** Whether ids of this form are this source's (a cheap check of the string: nothing is fetched). */
  handles(clientId: string): boolean
  /**
   * The client, or an `OAuthError` `invalid_client` whose description says why the id cannot be used
   * (a malformed URL, a document that cannot be fetched or is not valid).
   */
  resolve(ctx: ServerContext, clientId: string): Promise<ClientRecord>
  /**
   * Scopes this source's clients may ask for at `/authorize` although discovery does not offer them: the
   * admin console's built-in client and the admin scopes. Still only those the client itself lists.
   */
  readonly scopesOutsideDiscovery?: readonly string[]
}

/** What an endpoint receives besides the request: the path segments its `pattern` captured. */
export type EndpointHandler = (ctx: ServerContext, request: OAuthRequest, captures: readonly string[]) => Promise<OAuthResponse> | OAuthResponse

/** An endpoint a capability contributes: its name, path, methods and handler. */
export interface Endpoint {
  /** Key of its absolute URL in `ctx.urls` and `server.urls`: `revocation`. */
  readonly name: string
  /** Path below the issuer: `/revoke`. */
  readonly path: string
  /** Extra exact paths answered by the same handler (the two well-known discovery documents). */
  readonly aliases?: readonly string[]
  /**
   * Methods the router lets through; others get 405 with `Allow`. Omit to let the handler answer every
   * method itself (the token endpoint's own 405 is an RFC 6749 §5.2 error body).
   */
  readonly methods?: readonly HttpMethod[]
  /** The metadata member naming its URL: `revocation_endpoint`. */
  readonly metadata?: string
  /** Errors thrown while handling it (or its subroutes) are shown as an HTML page (browser-facing endpoints). */
  readonly html?: boolean
  /** Answers `path` itself; an endpoint with only `below` routes leaves `path` unrouted. */
  readonly handle?: EndpointHandler
  /** Routes below `path`, e.g. `/interaction/{id}/login`. */
  readonly below?: readonly SubRoute[]
}

/** PUT and DELETE serve RFC 7592's client configuration endpoint. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** A route below an endpoint's path: `pattern` is matched against the rest of the path, anchored. */
export interface SubRoute {
  /** e.g. `/^\/([A-Za-z0-9_-]{1,64})\/login$/`; its capture groups reach the handler. */
  readonly pattern: RegExp
  readonly methods?: readonly HttpMethod[]
  readonly handle: EndpointHandler
}

/** What a token request proved possession of, besides the client's credentials. */
export interface TokenBinding {
  /** RFC 9449 §6.1: thumbprint of the DPoP proof's key; the access token is bound to it (`cnf.jkt`). */
  readonly dpopJkt?: string | undefined
}

/** One grant type of the token endpoint (RFC 6749 §4), dispatched by `grant_type`. */
export interface Grant {
  /** The `grant_type` value: `authorization_code`, or an absolute URI for extension grants (RFC 6749 §4.5). */
  readonly type: string
  /**
   * Answers a token request of this grant type from an authenticated client; `binding` is what the
   * request proved besides (the DPoP key, RFC 9449 §5), for the tokens to be bound to.
   */
  handle(ctx: ServerContext, client: ClientRecord, params: Parameters, binding?: TokenBinding): Promise<OAuthResponse>
  /** Clients registered for it need a redirect URI (the authorization code grant, RFC 6749 §3.1.2). */
  readonly usesRedirectUri?: boolean
  /** Public clients may not use it (RFC 6749 §4.4: client credentials need a confidential client). */
  readonly confidentialOnly?: boolean
}

/**
 * A client authentication method (RFC 6749 §2.3). `read` finds the credentials in the request (or
 * `undefined` when the request does not use this method; throws `invalid_request`/`invalid_client` when
 * it uses it wrongly); `verify` checks them against the registered client. Methods contributed by other
 * capabilities are read before the core RFC 6749 ones, so a method with its own signal (an assertion
 * parameter) is recognised before a bare `client_id` is taken for `none`.
 */
export interface ClientAuthenticationMethod {
  /** `client_secret_basic`, `private_key_jwt` … */
  readonly method: string
  /** Endpoints that accept it; default token, revocation and introspection. */
  readonly endpoints?: readonly AuthenticatingEndpoint[]
  /** Only confidential clients use it (anything but `none`). */
  readonly confidential: boolean
  /** Reads this method's credentials, if the request uses it; several methods share one reader by name. */
  readonly reader: CredentialReader
  /**
   * Whether `presented` authenticates `client` (undefined when no client has that id: take the same time
   * as for a known one, ASVS 6.3.8).
   */
  verify(ctx: ServerContext, client: ClientRecord | undefined, presented: PresentedClientCredentials): boolean | Promise<boolean>
}

/**
 * The client authentication a request presents: the method's name, the client it names, and its
 * credential (a secret, or for other methods what their reader puts in `assertion`).
 */
export interface PresentedClientCredentials extends Omit<Rfc6749Credentials, 'method'> {
  readonly method: string
  readonly assertion?: string | undefined
}

/** The endpoints where a client authenticates (RFC 6749 §2.3; RFC 9126 §2: `par` as the token endpoint). */
export type AuthenticatingEndpoint = 'token' | 'revocation' | 'introspection' | 'par'

/** Reads the client credentials one authentication method's requests carry. */
export interface CredentialReader {
  /** Readers are shared by name: RFC 6749's reader serves `client_secret_basic`, `client_secret_post` and `none`. */
  readonly name: string
  /** The credentials the request presents, or undefined when it presents none of this kind. */
  read(headers: Headers, params: Parameters): PresentedClientCredentials | undefined
}

/** A route of the server: the handler for a path, the endpoint it belongs to and the captures its path matched. */
export interface RouteMatch {
  readonly endpoint: Endpoint
  /** Undefined: the handler answers every method itself. */
  readonly methods: readonly HttpMethod[] | undefined
  readonly handle: EndpointHandler
  readonly captures: readonly string[]
}

/**
 * What a list of capabilities adds up to, computed once: the route table, the grants by type, the client
 * authentication methods, and the lists discovery, the admin functions and the CLI show. Throws
 * `RegistryError` when two capabilities claim the same name, path, grant type or method.
 */
export interface Registry {
  readonly capabilities: readonly Capability[]
  /** Every endpoint, in registration order. */
  readonly endpoints: readonly Endpoint[]
  /** Endpoint paths below the issuer, by endpoint name. */
  readonly paths: Readonly<Record<string, string>>
  readonly grants: ReadonlyMap<string, Grant>
  readonly grantTypes: readonly string[]
  readonly authMethods: ReadonlyMap<string, ClientAuthenticationMethod>
  /** Credential readers in the order they are tried: extensions first, RFC 6749's last. */
  readonly readers: readonly CredentialReader[]
  /** Audit event types and their log level. */
  readonly auditEvents: ReadonlyMap<string, 'info' | 'warn'>
  /** Client sources, in registration order (see `ClientSource`). */
  readonly clientSources: readonly ClientSource[]
  /** Sources of authorization requests by reference, in registration order (see `RequestReferences`). */
  readonly requestReferences: readonly RequestReferences[]
  /** The request object capability, if one is registered (see `RequestObjects`). */
  readonly requestObjects: RequestObjects | undefined
  /** Sections of the `/account` page, in display order (see `AccountSection`). */
  readonly accountSections: readonly AccountSection[]
  /** The route for a path below the issuer, or undefined. */
  route(path: string): RouteMatch | undefined
  /** `token_endpoint_auth_methods_supported` and the revocation/introspection equivalents. */
  authMethodsFor(endpoint: AuthenticatingEndpoint): string[]
}

