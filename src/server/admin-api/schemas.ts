import { z } from 'zod'

// Request bodies of the admin API: strict objects (an unknown member is refused, never ignored), the
// wire names of RFC 7591 client metadata and OIDC claims. The rules behind the values (redirect URIs,
// grant types the server has, algorithms) are the admin functions' (src/server/admin.ts): not repeated here.

const text = (max: number) => z.string().min(1).max(max)
const uris = z.array(z.string().max(2000)).max(50)
const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/)
const jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())).max(20) })
const nullable = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()])

const clientFields = {
  client_name: text(200),
  redirect_uris: uris,
  post_logout_redirect_uris: uris,
  grant_types: z.array(text(200)).max(20),
  scopes: z.array(scopeToken).max(100),
  token_endpoint_auth_method: text(64),
  id_token_signed_response_alg: text(16),
  skip_consent: z.boolean(),
  token_endpoint_auth_signing_alg: text(16),
  require_pushed_authorization_requests: z.boolean(),
  dpop_bound_access_tokens: z.boolean(),
  require_signed_request_object: z.boolean(),
  request_object_signing_alg: text(16),
}

/** The members create and update share, each optional; update lets `null` clear the key settings. */
const clientSettings = {
  redirect_uris: uris.optional(),
  post_logout_redirect_uris: uris.optional(),
  grant_types: clientFields.grant_types.optional(),
  scopes: clientFields.scopes.optional(),
  token_endpoint_auth_method: clientFields.token_endpoint_auth_method.optional(),
  id_token_signed_response_alg: clientFields.id_token_signed_response_alg.optional(),
  skip_consent: z.boolean().optional(),
  jwks: jwks.optional(),
  jwks_uri: z.string().max(2000).optional(),
  token_endpoint_auth_signing_alg: clientFields.token_endpoint_auth_signing_alg.optional(),
  require_pushed_authorization_requests: z.boolean().optional(),
  dpop_bound_access_tokens: z.boolean().optional(),
  require_signed_request_object: z.boolean().optional(),
  request_object_signing_alg: clientFields.request_object_signing_alg.optional(),
}

/** POST /clients */
export const ClientCreate = z.strictObject({
  client_name: clientFields.client_name,
  client_id: z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/).optional(),
  ...clientSettings,
})
export type ClientCreate = z.infer<typeof ClientCreate>

/** PATCH /clients/{client_id}: omitted members keep their value; `null` clears the key settings. */
export const ClientPatch = z.strictObject({
  client_name: clientFields.client_name.optional(),
  ...clientSettings,
  jwks: nullable(jwks).optional(),
  jwks_uri: nullable(z.string().max(2000)).optional(),
  token_endpoint_auth_signing_alg: nullable(clientFields.token_endpoint_auth_signing_alg).optional(),
  request_object_signing_alg: nullable(clientFields.request_object_signing_alg).optional(),
  disabled: z.boolean().optional(),
})
export type ClientPatch = z.infer<typeof ClientPatch>

const profile = {
  name: nullable(text(200)).optional(),
  given_name: nullable(text(200)).optional(),
  family_name: nullable(text(200)).optional(),
  email: nullable(z.email().max(254)).optional(),
  email_verified: z.boolean().optional(),
  picture: nullable(z.url().max(2000)).optional(),
}

/** POST /users */
export const UserCreate = z.strictObject({
  username: text(128),
  password: z.string().min(8).max(256),
  ...profile,
})
export type UserCreate = z.infer<typeof UserCreate>

/** PATCH /users/{user_id} */
export const UserPatch = z.strictObject({
  password: z.string().min(8).max(256).optional(),
  ...profile,
  require_mfa: z.boolean().optional(),
  /** The user signs in nowhere and gets no token; `true` also ends their sessions and revokes their grants. */
  disabled: z.boolean().optional(),
})
export type UserPatch = z.infer<typeof UserPatch>

/** POST /registration/tokens */
export const InitialAccessTokenCreate = z.strictObject({
  /** Seconds until the token expires; default one day, at most 30 days. */
  expires_in: z.int().min(60).max(30 * 86_400).optional(),
})
export type InitialAccessTokenCreate = z.infer<typeof InitialAccessTokenCreate>

/** Every request body schema, by the name the OpenAPI document gives it under `components.schemas`. */
export const REQUEST_SCHEMAS = { ClientCreate, ClientPatch, UserCreate, UserPatch, InitialAccessTokenCreate } as const
