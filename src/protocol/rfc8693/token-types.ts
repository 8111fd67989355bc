/**
 * Token type identifiers of OAuth 2.0 Token Exchange (RFC 8693 §3) and the Identity Assertion JWT
 * Authorization Grant (draft-ietf-oauth-identity-assertion-authz-grant), and the grant type (§2.1).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-3
 */

/** RFC 8693 §2.1: the `grant_type` of a token exchange request. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange'

/** RFC 8693 §3: the token type URIs this server reads and issues, by short name. */
export const TOKEN_TYPES = {
  access_token: 'urn:ietf:params:oauth:token-type:access_token',
  refresh_token: 'urn:ietf:params:oauth:token-type:refresh_token',
  id_token: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  saml1: 'urn:ietf:params:oauth:token-type:saml1',
  saml2: 'urn:ietf:params:oauth:token-type:saml2',
  /** ID-JAG: an Identity Assertion JWT Authorization Grant for another authorization server. */
  id_jag: 'urn:ietf:params:oauth:token-type:id-jag',
} as const

/** A short name of a token type URI (`access_token`, `id_jag` …). */
export type TokenTypeName = keyof typeof TOKEN_TYPES

/** The short name of a token type URI, or undefined for a URI this module does not know. */
export function tokenTypeName(uri: string): TokenTypeName | undefined {
  return (Object.keys(TOKEN_TYPES) as TokenTypeName[]).find((name) => TOKEN_TYPES[name] === uri)
}
