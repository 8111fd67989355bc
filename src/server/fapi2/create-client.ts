import { createClient, type CreatedClient, type NewClientInput } from '../admin.js'
import type { AdminOptions } from '../admin-options.js'
import type { Store } from '../../storage/types.js'
import { CLIENT_PROFILE, fapi2ClientViolation, FOREVER, PROFILE_ALGORITHMS, type Fapi2Violation } from './client-profile.js'

/**
 * The input of a FAPI 2.0 client: the profile's settings where the input leaves them open, its own values
 * where they agree. The assertion algorithm, when not given, is the one the client's inline key implies
 * (PS256 for RSA, ES256 for P-256, EdDSA for Ed25519); with `jwksUri` it must be given.
 */
export function fapi2ClientInput(input: NewClientInput): NewClientInput {
  const alg = input.tokenEndpointAuthSigningAlg ?? algorithmOfKeys(input.jwks)
  return {
    ...input,
    authMethod: input.authMethod ?? 'private_key_jwt',
    ...(alg !== undefined ? { tokenEndpointAuthSigningAlg: alg } : {}),
    requirePushedAuthorizationRequests: input.requirePushedAuthorizationRequests ?? true,
    dpopBoundAccessTokens: input.dpopBoundAccessTokens ?? true,
    idTokenSignedResponseAlg: input.idTokenSignedResponseAlg ?? 'ES256',
  }
}

/**
 * Registers a client under the FAPI 2.0 Security Profile (`tessera-oidc client create --profile fapi2`):
 * `fapi2ClientInput`'s settings, refused with a `TypeError` naming the setting when the input contradicts
 * them, and the profile record the request-time rules read.
 *
 * @example await createFapi2Client(store, { name: 'bank app', redirectUris, jwks }, now)
 */
export async function createFapi2Client(store: Store, input: NewClientInput, now: number, options: AdminOptions = {}): Promise<CreatedClient> {
  const settled = fapi2ClientInput(input)
  const problem = fapi2InputViolation(settled)?.problem
  if (problem) throw new TypeError(problem)
  const created = await createClient(store, settled, now, options)
  await store.records.put(CLIENT_PROFILE, { key: created.client.client_id, value: { profile: 'fapi2' }, expiresAt: FOREVER, clientId: created.client.client_id }, { replace: true })
  return created
}

/** What `createClient` would store for `input` (its defaults where it says nothing), checked against the profile. */
export function fapi2InputViolation(input: NewClientInput): Fapi2Violation | undefined {
  return fapi2ClientViolation({
    token_endpoint_auth_method: input.authMethod ?? 'client_secret_basic',
    token_endpoint_auth_signing_alg: input.tokenEndpointAuthSigningAlg ?? null,
    require_pushed_authorization_requests: input.requirePushedAuthorizationRequests ?? false,
    dpop_bound_access_tokens: input.dpopBoundAccessTokens ?? false,
    id_token_signed_response_alg: input.idTokenSignedResponseAlg ?? 'RS256',
    request_object_signing_alg: input.requestObjectSigningAlg ?? null,
  })
}

function algorithmOfKeys(jwks: unknown): string | undefined {
  const keys = (jwks as { keys?: unknown } | undefined)?.keys
  if (!Array.isArray(keys)) return undefined
  for (const key of keys as Array<Record<string, unknown>>) {
    if (typeof key.alg === 'string' && PROFILE_ALGORITHMS.includes(key.alg)) return key.alg
    if (key.kty === 'EC' && key.crv === 'P-256') return 'ES256'
    if (key.kty === 'OKP' && key.crv === 'Ed25519') return 'EdDSA'
    if (key.kty === 'RSA') return 'PS256'
  }
  return undefined
}
