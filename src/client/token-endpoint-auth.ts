/**
 * How the client authenticates at the token endpoint (RFC 8414 §2 `token_endpoint_auth_methods_supported`
 * values this library sends). Its own module because a registration (provider.ts) and a preset
 * (providers/presets.ts) both name it, and provider.ts needs the presets.
 *
 * @example const method: TokenEndpointAuthMethod = 'client_secret_basic'
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none'
