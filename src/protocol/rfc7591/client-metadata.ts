import { OAuthError } from '../../errors.js'
import { isLoopbackHost, validateRedirectUriForRegistration } from '../rfc6749/redirect-uri.js'
import { validateClientKeys, type PublicJwks } from './client-keys.js'
import { REQUEST_OBJECT_ALGORITHMS } from '../rfc9101/request-object.js'

/**
 * Client metadata of a registration request (RFC 7591 §2, OpenID Connect Registration 1.0 §2), checked
 * against what a server supports. Pure: no storage, no network — no URL in the metadata is ever fetched.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
 */

/** What the server supports, from its capabilities: a registration asking for anything else is refused. */
export interface RegistrationRules {
  /** Grant types by `grant_type`, with what they require of a client. */
  readonly grantTypes: ReadonlyMap<string, { readonly usesRedirectUri?: boolean | undefined; readonly confidentialOnly?: boolean | undefined }>
  /** `token_endpoint_auth_method` values, and whether the method needs a secret (anything but `none`). */
  readonly authMethods: ReadonlyMap<string, { readonly confidential: boolean }>
  /** Scopes a registered client may ask for; a registration without `scope` gets all of them. */
  readonly scopes: readonly string[]
  /** JWS algorithms for `id_token_signed_response_alg`. */
  readonly signingAlgorithms: readonly string[]
  /** A `jwks_uri` may be plain http on loopback (`development.allowLoopbackFetch`: the SSRF guard allows it too). */
  readonly allowLoopbackHttp?: boolean
  /** Members of the unsupported list that a capability of this server validates itself (`backchannel_logout_uri`). */
  readonly extensionMembers?: readonly string[]
}

export type ApplicationType = 'web' | 'native'

declare const validated: unique symbol

/** Metadata that passed `validateClientMetadata`: only that function makes one. */
export type ClientMetadata = {
  readonly redirect_uris: string[]
  readonly post_logout_redirect_uris: string[]
  readonly token_endpoint_auth_method: string
  readonly grant_types: string[]
  readonly response_types: string[]
  readonly scopes: string[]
  readonly client_name: string | null
  readonly client_uri: string | null
  readonly logo_uri: string | null
  readonly policy_uri: string | null
  readonly tos_uri: string | null
  readonly contacts: string[]
  readonly application_type: ApplicationType
  readonly id_token_signed_response_alg: string
  readonly jwks: PublicJwks | null
  readonly jwks_uri: string | null
  readonly token_endpoint_auth_signing_alg: string | null
  readonly require_pushed_authorization_requests: boolean
  readonly dpop_bound_access_tokens: boolean
  readonly request_object_signing_alg: string | null
  readonly require_signed_request_object: boolean
} & { readonly [validated]: true }

/** Bounds that keep one registration small (catalogue RL-04): counts and lengths, not a policy. */
export const METADATA_LIMITS = { uris: 20, uriLength: 2000, nameLength: 200, contacts: 10, contactLength: 254, scopes: 50 } as const

/**
 * Members the server understands but does not support: registering them would promise behaviour the
 * server does not have (pairwise subjects, encrypted or signed responses,
 * encrypted request objects, third-party login). Refused rather than ignored, so a client never believes its ID
 * tokens are encrypted when they are not; none of these URLs is ever fetched (catalogue DR-04, DR-05).
 */
const UNSUPPORTED_MEMBERS = [
  'sector_identifier_uri', 'request_uris', 'initiate_login_uri', 'id_token_encrypted_response_alg',
  'id_token_encrypted_response_enc', 'userinfo_signed_response_alg', 'userinfo_encrypted_response_alg', 'userinfo_encrypted_response_enc',
  'request_object_encryption_alg', 'request_object_encryption_enc',
  'tls_client_auth_subject_dn', 'tls_client_auth_san_dns', 'tls_client_auth_san_uri', 'tls_client_auth_san_ip', 'tls_client_auth_san_email',
  'backchannel_logout_uri', 'frontchannel_logout_uri', 'authorization_signed_response_alg',
] as const

/** RFC 7591 §3.2.2 `invalid_client_metadata`. */
function invalidMetadata(description: string): OAuthError {
  return new OAuthError('invalid_client_metadata', description)
}

/** RFC 7591 §3.2.2 `invalid_redirect_uri`. */
function invalidRedirectUri(description: string): OAuthError {
  return new OAuthError('invalid_redirect_uri', description)
}

/**
 * Validates a registration (RFC 7591 §3.1) or update (RFC 7592 §2.2) body against `rules`, applying RFC
 * 7591 §2's defaults. Throws `OAuthError` with `invalid_redirect_uri` or `invalid_client_metadata`.
 * Members the server does not understand are ignored (RFC 7591 §2), and so are `software_statement`,
 * `software_id` and `software_version`: they confer no trust here.
 *
 * `application_type` (OIDC Registration §2): `web` clients use https redirect URIs only; `native` clients
 * loopback http (RFC 8252 §7.3), reverse-domain private-use schemes (§7.1) or https (§7.2), and are public
 * (§8.5). A registration without `application_type` whose redirect URIs are all loopback is taken as native:
 * MCP clients and CLI tools register that way.
 *
 * @example const metadata = validateClientMetadata(await request.json(), rules)
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export function validateClientMetadata(input: unknown, rules: RegistrationRules): ClientMetadata {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidMetadata('The request body must be a JSON object')
  const body = input as Record<string, unknown>
  for (const member of UNSUPPORTED_MEMBERS) {
    if (rules.extensionMembers?.includes(member)) continue
    if (body[member] !== undefined) throw invalidMetadata(`${member} is not supported by this server`)
  }
  if (body.subject_type !== undefined && body.subject_type !== 'public') throw invalidMetadata('Only the public subject_type is supported')

  const authMethod = optionalString(body, 'token_endpoint_auth_method') ?? 'client_secret_basic' // RFC 7591 §2 default
  const method = rules.authMethods.get(authMethod)
  if (!method) throw invalidMetadata(`token_endpoint_auth_method ${authMethod} is not supported`)

  const grantTypes = unique(optionalStrings(body, 'grant_types', 10) ?? ['authorization_code'])
  for (const type of grantTypes) {
    const grant = rules.grantTypes.get(type)
    if (!grant) throw invalidMetadata(`grant type ${type} is not supported`)
    // RFC 6749 §4.4: client credentials need a client that can keep a secret.
    if (grant.confidentialOnly && !method.confidential) throw invalidMetadata(`a public client (token_endpoint_auth_method none) cannot use ${type}`)
  }
  const responseTypes = unique(optionalStrings(body, 'response_types', 10) ?? (grantTypes.includes('authorization_code') ? ['code'] : []))
  for (const type of responseTypes) if (type !== 'code') throw invalidMetadata(`response type ${type} is not supported`)
  // RFC 7591 §2.1: `code` and `authorization_code` go together.
  if (responseTypes.includes('code') !== grantTypes.includes('authorization_code')) {
    throw invalidMetadata('response_types code and grant_types authorization_code must be registered together')
  }

  const redirectUris = unique(optionalStrings(body, 'redirect_uris', METADATA_LIMITS.uris, METADATA_LIMITS.uriLength, invalidRedirectUri) ?? [])
  if (redirectUris.length === 0 && grantTypes.some((type) => rules.grantTypes.get(type)?.usesRedirectUri)) {
    throw invalidRedirectUri('redirect_uris is required for the authorization_code grant')
  }
  const declared = body.application_type
  if (declared !== undefined && declared !== 'web' && declared !== 'native') throw invalidMetadata('application_type must be web or native')
  const applicationType: ApplicationType = declared ?? (redirectUris.length > 0 && redirectUris.every(isLoopbackRedirect) ? 'native' : 'web')
  for (const uri of redirectUris) {
    const problem = validateRedirectUriForRegistration(uri) ?? redirectUriProblemFor(applicationType, uri)
    if (problem) throw invalidRedirectUri(`redirect URI ${printable(uri)} ${problem}`)
  }
  // RFC 8252 §8.5: a secret in an app installed on users' devices is not confidential.
  if (declared === 'native' && method.confidential) throw invalidMetadata('native clients are public: use token_endpoint_auth_method none')

  const postLogout = unique(optionalStrings(body, 'post_logout_redirect_uris', METADATA_LIMITS.uris, METADATA_LIMITS.uriLength) ?? [])
  for (const uri of postLogout) {
    const problem = validateRedirectUriForRegistration(uri)
    if (problem) throw invalidMetadata(`post_logout_redirect_uri ${printable(uri)} ${problem}`)
  }

  const scope = optionalString(body, 'scope')
  const scopes = scope === undefined ? [...rules.scopes] : unique(scope.split(' ').filter((token) => token !== ''))
  if (scopes.length > METADATA_LIMITS.scopes) throw invalidMetadata('scope lists too many values')
  for (const value of scopes) {
    // RFC 7591 §2: the server decides which scopes a client may register; unknown or privileged ones are refused, not trimmed silently.
    if (!rules.scopes.includes(value)) throw invalidMetadata(`scope ${printable(value)} may not be registered`)
  }

  const alg = optionalString(body, 'id_token_signed_response_alg') ?? 'RS256' // OIDC Registration §2 default
  if (!rules.signingAlgorithms.includes(alg)) throw invalidMetadata(`id_token_signed_response_alg must be one of ${rules.signingAlgorithms.join(', ')}`)

  // RFC 7591 §2 `jwks`/`jwks_uri`, OIDC Registration §2 `token_endpoint_auth_signing_alg` (catalogue JA-06, JA-08).
  const keys = validateClientKeys(
    { tokenEndpointAuthMethod: authMethod, jwks: body.jwks, jwksUri: body.jwks_uri, tokenEndpointAuthSigningAlg: body.token_endpoint_auth_signing_alg },
    { allowLoopbackHttp: rules.allowLoopbackHttp === true },
  )
  if (typeof keys === 'string') throw invalidMetadata(keys)

  const metadata = {
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogout,
    token_endpoint_auth_method: authMethod,
    grant_types: grantTypes,
    response_types: responseTypes,
    scopes,
    client_name: clientName(body),
    client_uri: displayUri(body, 'client_uri'),
    logo_uri: displayUri(body, 'logo_uri'),
    policy_uri: displayUri(body, 'policy_uri'),
    tos_uri: displayUri(body, 'tos_uri'),
    contacts: contacts(body),
    application_type: applicationType,
    id_token_signed_response_alg: alg,
    ...keys,
    // RFC 9126 §6, RFC 9449 §5.2: booleans, default false; enforced by the PAR and DPoP capabilities.
    require_pushed_authorization_requests: optionalBoolean(body, 'require_pushed_authorization_requests'),
    dpop_bound_access_tokens: optionalBoolean(body, 'dpop_bound_access_tokens'),
    // RFC 9101 §10.5, OIDC Registration §2: enforced by the JAR capability; only its allow-listed algorithms.
    request_object_signing_alg: requestObjectAlgorithm(body),
    require_signed_request_object: optionalBoolean(body, 'require_signed_request_object'),
  }
  return metadata as ClientMetadata
}

/** `http` on a loopback host (RFC 8252 §7.3). */
export function isLoopbackRedirect(uri: string): boolean {
  try {
    const url = new URL(uri)
    return url.protocol === 'http:' && isLoopbackHost(url.hostname)
  } catch {
    return false
  }
}

/** OIDC Registration §2 `application_type`, with RFC 8252 §7 for native clients; undefined when allowed. */
export function redirectUriProblemFor(type: ApplicationType, uri: string): string | undefined {
  const url = new URL(uri)
  const scheme = url.protocol.slice(0, -1).toLowerCase()
  if (type === 'web') {
    // OIDC Registration §2: web clients MUST use https and MUST NOT use localhost.
    if (scheme !== 'https') return 'must use https for a web client'
    if (isLoopbackHost(url.hostname)) return 'must not be on localhost for a web client'
    return undefined
  }
  if (scheme === 'http') return isLoopbackHost(url.hostname) ? undefined : 'must be loopback for http'
  if (scheme === 'https') return undefined
  // RFC 8252 §7.1: private-use schemes are reverse domain names, so apps do not collide (`com.example.app:/cb`).
  if (!scheme.includes('.')) return 'must use a reverse-domain private-use scheme (RFC 8252 §7.1), loopback http or https'
  return undefined
}

function optionalString(body: Record<string, unknown>, name: string, maxLength: number = METADATA_LIMITS.uriLength): string | undefined {
  const value = body[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length > maxLength) throw invalidMetadata(`${name} must be a string of at most ${maxLength} characters`)
  return value
}

function requestObjectAlgorithm(body: Record<string, unknown>): string | null {
  const alg = optionalString(body, 'request_object_signing_alg', 16)
  if (alg === undefined) return null
  if (!(REQUEST_OBJECT_ALGORITHMS as readonly string[]).includes(alg)) throw invalidMetadata(`request_object_signing_alg must be one of ${REQUEST_OBJECT_ALGORITHMS.join(', ')}`)
  return alg
}

function optionalBoolean(body: Record<string, unknown>, name: string): boolean {
  const value = body[name]
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw invalidMetadata(`${name} must be a boolean`)
  return value
}

function optionalStrings(
  body: Record<string, unknown>, name: string, maxCount: number, maxLength = 200, error: (description: string) => OAuthError = invalidMetadata,
): string[] | undefined {
  const value = body[name]
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) throw error(`${name} must be an array of strings`)
  if (value.length > maxCount) throw error(`${name} may list at most ${maxCount} values`)
  if (value.some((item) => item.length === 0 || item.length > maxLength)) throw error(`${name} values must be 1 to ${maxLength} characters`)
  return value
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)]
}

// Control characters and bidirectional overrides in a name shown to users disguise it (RFC 7591 §5).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/

function clientName(body: Record<string, unknown>): string | null {
  const name = optionalString(body, 'client_name', METADATA_LIMITS.nameLength)?.trim()
  if (name === undefined || name === '') return null
  if (UNPRINTABLE.test(name)) throw invalidMetadata('client_name must not contain control characters')
  return name
}

/**
 * RFC 7591 §2 `client_uri`, `logo_uri`, `policy_uri`, `tos_uri`: shown to users, so https only, no user
 * information, bounded — and normalized by the URL parser, which writes an IDN host in punycode (RFC 7591
 * §5: users must not be misled by what a client says about itself). Never fetched.
 */
function displayUri(body: Record<string, unknown>, name: string): string | null {
  const value = optionalString(body, name)
  if (value === undefined) return null
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw invalidMetadata(`${name} must be an absolute https URL`)
  }
  if (url.protocol !== 'https:' || url.hostname === '') throw invalidMetadata(`${name} must be an absolute https URL`)
  if (url.username !== '' || url.password !== '') throw invalidMetadata(`${name} must not contain user information`)
  return url.href
}

function contacts(body: Record<string, unknown>): string[] {
  const values = unique(optionalStrings(body, 'contacts', METADATA_LIMITS.contacts, METADATA_LIMITS.contactLength) ?? [])
  for (const value of values) {
    if (!/^[^\s@]+@[^\s@]+$/.test(value) || UNPRINTABLE.test(value)) throw invalidMetadata('contacts must be e-mail addresses')
  }
  return values
}

/** A value from the request in an error description: bounded, quoted. */
function printable(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
}
