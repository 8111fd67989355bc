import type { AuthorizationServer } from 'oauth4webapi'
import { endpointProblem } from './endpoints.js'
import { ClientConfigError } from './errors.js'
import type { ProfileFetcher } from './providers/profile.js'
import { isPresetName, presetOf, type PresetName, type PresetParameter } from './providers/presets.js'
import { AUTH_METHOD_CREDENTIAL, type ClientPrivateKey, type TokenEndpointAuthMethod } from './token-endpoint-auth.js'

export type { ClientPrivateKey, TokenEndpointAuthMethod } from './token-endpoint-auth.js'

/**
 * A provider as the app registers it: exactly one of `issuer`, `serverMetadataUrl` or `preset` says where
 * it is (a preset may be combined with `issuer` to override its default).
 *
 * @example oauth.register({ name: 'google', preset: 'google', clientId, clientSecret, scope: 'openid email profile' })
 */
export interface ProviderRegistration {
  /** The name used in routes and calls (`[A-Za-z0-9_-]`). */
  name: string
  /** OIDC issuer; metadata from `<issuer>/.well-known/openid-configuration`, whose `issuer` must equal it. */
  issuer?: string
  /** `<issuer>/.well-known/openid-configuration` or `<origin>/.well-known/oauth-authorization-server<path>`. */
  serverMetadataUrl?: string
  preset?: PresetName
  /** Microsoft: directory (tenant) id. */
  tenant?: string
  /** Okta, Auth0, Keycloak, self-managed GitLab: the host (and for Okta optionally a path). */
  domain?: string
  /** Keycloak realm. */
  realm?: string
  clientId: string
  /** Required for the secret methods (`client_secret_basic`, `client_secret_post`, `client_secret_jwt`). */
  clientSecret?: string
  /**
   * Required for `private_key_jwt` and `requestObject`: the client's private key, which signs its assertions
   * (RFC 7523 §2.2) and its request objects (RFC 9101).
   */
  clientPrivateKey?: ClientPrivateKey
  /** Space-separated; must include `openid` except for plain OAuth presets (github, discord). */
  scope: string
  /** Default `client_secret_basic` (RFC 6749 §2.3.1), or the preset's. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod
  /** Extra authorization request parameters (e.g. Google `{ access_type: 'offline', prompt: 'consent' }`). */
  authorizationParams?: Record<string, string>
  /**
   * Accepts an `http://` issuer and endpoints on loopback hosts (localhost, 127.0.0.0/8, [::1]) — for local
   * development and tests only; logs a warning. Non-loopback http is always refused.
   */
  allowInsecureLoopback?: boolean
  /** Pins the ID token algorithm; default: what the provider advertises, else RS256. */
  idTokenSignedResponseAlg?: string
  /** Reads userinfo at login (default true when the provider has a userinfo endpoint). */
  fetchUserinfo?: boolean
  /**
   * Sends the authorization request to the provider's `pushed_authorization_request_endpoint` first
   * (RFC 9126) and the browser only a `request_uri`. Default: when the provider's metadata says
   * `require_pushed_authorization_requests`.
   */
  pushedAuthorizationRequests?: boolean
  /**
   * Sender-constrained tokens (RFC 9449): each login gets its own ES256 key pair, the code and tokens are
   * bound to it, and refreshes, userinfo and `oauth.fetch` send DPoP proofs. Default false.
   */
  dpop?: boolean
  /**
   * Sends the authorization request as a request object signed with `clientPrivateKey` (RFC 9101 JAR),
   * pushed as such when PAR is used; the provider must know the public key (`jwks` / `jwks_uri`). Default:
   * when the provider's metadata says `require_signed_request_object` (which then needs `clientPrivateKey`).
   */
  requestObject?: boolean
}

/** A validated registration: everything the flows need, no discovery yet. */
export interface ProviderConfig {
  name: string
  issuer: string
  discovery: 'oidc' | 'oauth2' | 'none'
  staticMetadata: AuthorizationServer | undefined
  clientId: string
  clientSecret: string | undefined
  clientPrivateKey: ClientPrivateKey | undefined
  authMethod: TokenEndpointAuthMethod
  scope: string
  /** OpenID Connect login (an ID token is required and validated). */
  openid: boolean
  authorizationParams: Record<string, string>
  responseMode: 'query' | 'form_post'
  issuerAliases: string[]
  profile: ProfileFetcher | undefined
  insecureLoopback: boolean
  idTokenAlg: string | undefined
  fetchUserinfo: boolean
  /** PAR always, not only when the provider requires it. */
  pushedAuthorizationRequests: boolean
  dpop: boolean
  /** Signed request objects always, not only when the provider requires them. */
  requestObject: boolean
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/
const TEMPLATE_VALUE: Record<PresetParameter, RegExp> = {
  tenant: /^[A-Za-z0-9.-]{1,128}$/,
  domain: /^[A-Za-z0-9.-]{1,253}(?::\d{1,5})?(?:\/[A-Za-z0-9._~-]+)*$/,
  realm: /^[A-Za-z0-9._~-]{1,128}$/,
}
const MULTI_TENANT = ['common', 'organizations', 'consumers']
/** Authorization request parameters the library sets itself; neither registrations nor calls may override them. */
export const RESERVED_AUTHORIZATION_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode', 'request_uri', 'dpop_jkt']

function fail(registration: { name?: string }, message: string): never {
  throw new ClientConfigError(`oauth.register(${registration.name ? `'${registration.name}'` : '…'}): ${message}`)
}

function presetIssuer(registration: ProviderRegistration, name: PresetName): string {
  const preset = presetOf(name)
  if (registration.issuer !== undefined) return registration.issuer
  if (preset.issuer.includes('{issuer}')) fail(registration, `preset '${name}' needs issuer`)
  return preset.issuer.replace(/\{(tenant|domain|realm)\}/g, (_match, key: PresetParameter) => {
    const value = registration[key] ?? preset.defaults?.[key]
    if (value === undefined) fail(registration, `preset '${name}' needs ${key}`)
    if (!TEMPLATE_VALUE[key].test(value)) fail(registration, `${key} '${value}' is not valid`)
    if (key === 'tenant' && MULTI_TENANT.includes(value.toLowerCase())) {
      fail(registration, `tenant '${value}' is multi-tenant; give the directory (tenant) id`)
    }
    return value
  })
}

/** `serverMetadataUrl` → (issuer, algorithm), so discovery can still check the issuer for equality. */
function issuerFromMetadataUrl(registration: ProviderRegistration, value: string): { issuer: string; discovery: 'oidc' | 'oauth2' } {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    fail(registration, 'serverMetadataUrl is not an absolute URL')
  }
  const oidc = '/.well-known/openid-configuration'
  if (url.pathname.endsWith(oidc) && url.search === '') {
    return { issuer: `${url.origin}${url.pathname.slice(0, -oidc.length)}`, discovery: 'oidc' }
  }
  const oauth2 = '/.well-known/oauth-authorization-server'
  if (url.pathname.startsWith(oauth2) && url.search === '') {
    return { issuer: `${url.origin}${url.pathname.slice(oauth2.length)}`, discovery: 'oauth2' }
  }
  fail(registration, `serverMetadataUrl must end with ${oidc} or start with ${oauth2}; otherwise give issuer`)
}

function whereIs(registration: ProviderRegistration): { issuer: string; discovery: ProviderConfig['discovery']; preset: PresetName | undefined } {
  const { issuer, serverMetadataUrl, preset } = registration
  if (preset !== undefined) {
    if (!isPresetName(preset)) fail(registration, `unknown preset '${String(preset)}'`)
    if (serverMetadataUrl !== undefined) fail(registration, 'give either preset or serverMetadataUrl')
    return { issuer: presetIssuer(registration, preset), discovery: presetOf(preset).metadata ? 'none' : 'oidc', preset }
  }
  if (issuer !== undefined && serverMetadataUrl !== undefined) fail(registration, 'give either issuer or serverMetadataUrl')
  if (issuer !== undefined) return { issuer, discovery: 'oidc', preset: undefined }
  if (serverMetadataUrl !== undefined) return { ...issuerFromMetadataUrl(registration, serverMetadataUrl), preset: undefined }
  fail(registration, 'give issuer, serverMetadataUrl or preset')
}

/**
 * Validates a registration once, at `register`, with messages naming the field and the fix.
 */
export function normalizeRegistration(registration: ProviderRegistration): ProviderConfig {
  if (typeof registration.name !== 'string' || !NAME.test(registration.name)) fail(registration, 'name must match [A-Za-z0-9_-]{1,64}')
  const { issuer, discovery, preset: presetName } = whereIs(registration)
  const insecureLoopback = registration.allowInsecureLoopback === true
  const problem = endpointProblem(issuer, insecureLoopback)
  if (problem) fail(registration, `issuer ${issuer} ${problem}`)
  const preset = presetName ? presetOf(presetName) : undefined
  if (typeof registration.clientId !== 'string' || registration.clientId === '') fail(registration, 'clientId is required')
  const authMethod = registration.tokenEndpointAuthMethod ?? preset?.tokenEndpointAuthMethod ?? 'client_secret_basic'
  const credential = Object.hasOwn(AUTH_METHOD_CREDENTIAL, authMethod) ? AUTH_METHOD_CREDENTIAL[authMethod] : undefined
  if (credential === undefined) fail(registration, `tokenEndpointAuthMethod '${authMethod}' is not supported`)
  if (credential !== 'secret' && registration.clientSecret !== undefined) fail(registration, `clientSecret given with tokenEndpointAuthMethod '${authMethod}'`)
  if (credential === 'secret' && !registration.clientSecret) fail(registration, `clientSecret is required for ${authMethod}`)
  const requestObject = registration.requestObject === true
  if (credential !== 'key' && !requestObject && registration.clientPrivateKey !== undefined) fail(registration, `clientPrivateKey given with tokenEndpointAuthMethod '${authMethod}'`)
  if (credential === 'key' && registration.clientPrivateKey?.key?.type !== 'private') fail(registration, 'clientPrivateKey with a private CryptoKey is required for private_key_jwt')
  if (requestObject && registration.clientPrivateKey?.key?.type !== 'private') fail(registration, 'clientPrivateKey with a private CryptoKey is required for requestObject')
  const scopes = (registration.scope ?? '').split(' ').filter(Boolean)
  if (scopes.length === 0) fail(registration, 'scope is required')
  const profile = preset?.profile
  const openid = !profile && scopes.includes('openid')
  if (!openid && !profile) fail(registration, "scope must include 'openid' to identify the user")
  const authorizationParams = { ...(registration.authorizationParams ?? {}) }
  for (const name of Object.keys(authorizationParams)) {
    if (RESERVED_AUTHORIZATION_PARAMS.includes(name)) fail(registration, `authorizationParams must not set ${name}`)
  }
  const staticMetadata = preset?.metadata ? { issuer, ...(preset.metadataFor?.(issuer) ?? preset.metadata) } : undefined
  return {
    name: registration.name,
    issuer,
    discovery,
    staticMetadata,
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    clientPrivateKey: registration.clientPrivateKey,
    authMethod,
    scope: scopes.join(' '),
    openid,
    authorizationParams,
    responseMode: preset?.responseMode ?? 'query',
    issuerAliases: preset?.issuerAliases?.(issuer) ?? [],
    profile,
    insecureLoopback,
    idTokenAlg: registration.idTokenSignedResponseAlg,
    fetchUserinfo: registration.fetchUserinfo ?? true,
    pushedAuthorizationRequests: registration.pushedAuthorizationRequests === true,
    dpop: registration.dpop === true,
    requestObject,
  }
}
