/**
 * How the client authenticates at the token endpoint (RFC 8414 §2 `token_endpoint_auth_methods_supported`
 * values this library sends). Its own module because a registration (provider.ts) and a preset
 * (providers/presets.ts) both name it, and provider.ts needs the presets.
 *
 * @example const method: TokenEndpointAuthMethod = 'client_secret_basic'
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none' | 'private_key_jwt' | 'client_secret_jwt'

/** What the methods need: a secret, a private key (`private_key_jwt`, RFC 7523 §2.2), or nothing. */
export const AUTH_METHOD_CREDENTIAL: Readonly<Record<TokenEndpointAuthMethod, 'secret' | 'key' | 'none'>> = {
  client_secret_basic: 'secret', client_secret_post: 'secret', client_secret_jwt: 'secret', private_key_jwt: 'key', none: 'none',
}

/**
 * The key of a `private_key_jwt` client: a private `CryptoKey` (import a JWK or PEM with jose's `importJWK` /
 * `importPKCS8`), and the `kid` of its public half in the JWKS registered at the provider. The assertion's
 * `aud` is the issuer identifier (oauth4webapi; 7523bis §4).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 */
export interface ClientPrivateKey {
  key: CryptoKey
  kid?: string
}
