import { isHttpsOrLoopbackUrl } from './metadata-rules.js'

/**
 * The RFC 8414 §2 members Tessera's authorization server publishes (with the OpenID Connect Discovery
 * §3 ones it adds) and its resource server reads. Only `issuer` is required of a fetched document;
 * others may be present that this type does not name.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export interface AuthorizationServerMetadata {
  issuer: string
  authorization_endpoint?: string
  token_endpoint?: string
  userinfo_endpoint?: string
  jwks_uri?: string
  revocation_endpoint?: string
  introspection_endpoint?: string
  end_session_endpoint?: string
  scopes_supported?: string[]
  response_types_supported?: string[]
  response_modes_supported?: string[]
  grant_types_supported?: string[]
  subject_types_supported?: string[]
  id_token_signing_alg_values_supported?: string[]
  token_endpoint_auth_methods_supported?: string[]
  revocation_endpoint_auth_methods_supported?: string[]
  introspection_endpoint_auth_methods_supported?: string[]
  code_challenge_methods_supported?: string[]
  claims_supported?: string[]
  claims_parameter_supported?: boolean
  request_parameter_supported?: boolean
  request_uri_parameter_supported?: boolean
  prompt_values_supported?: string[]
  /** RFC 9207 §3. */
  authorization_response_iss_parameter_supported?: boolean
  /** RFC 8707 resource indicators. */
  resource_indicators_supported?: boolean
}

/** RFC 8414 §3: the well-known suffix registered for OAuth 2.0 authorization server metadata. */
export const OAUTH_METADATA_SUFFIX = '/.well-known/oauth-authorization-server'
/** OpenID Connect Discovery §4: the well-known suffix of an OpenID provider's configuration. */
export const OPENID_CONFIGURATION_SUFFIX = '/.well-known/openid-configuration'

function originAndPath(issuer: string): { origin: string; path: string } {
  const url = new URL(issuer)
  // RFC 8414 §3.1: "any terminating / MUST be removed" from the issuer's path before the suffix is placed.
  return { origin: url.origin, path: url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '') }
}

/**
 * Where RFC 8414 §3.1 puts the metadata of `issuer`: the well-known segment inserted between the host
 * and the issuer's path (`https://as.example.com/tenant` → `…/.well-known/oauth-authorization-server/tenant`).
 *
 * @example
 * ```ts
 * oauthMetadataUrl('https://as.example.com/t1') // 'https://as.example.com/.well-known/oauth-authorization-server/t1'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export function oauthMetadataUrl(issuer: string): string {
  const { origin, path } = originAndPath(issuer)
  return `${origin}${OAUTH_METADATA_SUFFIX}${path}`
}

/**
 * Where OpenID Connect Discovery §4 puts the configuration of `issuer`: the well-known segment appended
 * to the issuer (`https://as.example.com/tenant` → `…/tenant/.well-known/openid-configuration`).
 *
 * @example
 * ```ts
 * openidConfigurationUrl('https://as.example.com/t1') // 'https://as.example.com/t1/.well-known/openid-configuration'
 * ```
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export function openidConfigurationUrl(issuer: string): string {
  const { origin, path } = originAndPath(issuer)
  return `${origin}${path}${OPENID_CONFIGURATION_SUFFIX}`
}

/**
 * Where a client or resource server looks for the metadata of `issuer`, in order: RFC 8414 §3.1 first,
 * then OpenID Connect Discovery §4 (RFC 8414 §5 has servers that support both publish at both).
 *
 * @example
 * ```ts
 * for (const url of metadataUrls(issuer)) { … }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-5
 */
export function metadataUrls(issuer: string): string[] {
  return [oauthMetadataUrl(issuer), openidConfigurationUrl(issuer)]
}

/** A fetched metadata document that may not be used: its issuer is another, or a member is unsafe. */
export class InvalidMetadataError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InvalidMetadataError'
  }
}


/**
 * Validates a metadata document fetched for `issuer` and keeps the members a resource server uses:
 * the document's `issuer` is identical to the one it was fetched for (RFC 8414 §3.3, no normalization),
 * `jwks_uri` and `introspection_endpoint`, when present, are https URLs (http on loopback only), and
 * `id_token_signing_alg_values_supported` is kept only as an array of strings. Throws
 * `InvalidMetadataError`.
 *
 * @example
 * ```ts
 * const metadata = validateAuthorizationServerMetadata(issuer, await response.json())
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export function validateAuthorizationServerMetadata(issuer: string, body: unknown): AuthorizationServerMetadata {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidMetadataError('metadata is not a JSON object')
  const document = body as Record<string, unknown>
  // RFC 8414 §3.3: the issuer in the document MUST be identical to the one the metadata was fetched for.
  if (document.issuer !== issuer) {
    throw new InvalidMetadataError(`metadata issuer ${JSON.stringify(document.issuer)} is not ${JSON.stringify(issuer)}`)
  }
  const metadata: AuthorizationServerMetadata = { issuer }
  for (const member of ['jwks_uri', 'introspection_endpoint'] as const) {
    const value = document[member]
    if (value === undefined) continue
    // RFC 8414 §2: endpoints are https URLs; a key set or introspection over plain http could be swapped.
    if (!isHttpsOrLoopbackUrl(value)) {
      throw new InvalidMetadataError(`${member} must be an https URL (plain http only for localhost/127.0.0.1), got ${JSON.stringify(value)}`)
    }
    metadata[member] = value
  }
  const algs = document.id_token_signing_alg_values_supported
  if (Array.isArray(algs) && algs.every((alg) => typeof alg === 'string')) metadata.id_token_signing_alg_values_supported = algs
  return metadata
}
