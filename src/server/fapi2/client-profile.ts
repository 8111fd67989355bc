import type { ClientRecord, RecordKind, Store } from '../../storage/types.js'
import type { ServerContext } from '../context.js'

/*
 * The FAPI 2.0 Security Profile for one client (`tessera-oidc client create --profile fapi2`) on a server
 * that does not run it for everyone. Most of the profile is client settings Tessera already stores, so a
 * FAPI client is first of all a client whose settings are forced the profile's way and checked together:
 * `private_key_jwt` with a PS256/ES256/EdDSA `token_endpoint_auth_signing_alg`, pushed authorization
 * requests required, DPoP-bound access tokens, ES256 ID tokens, request objects (if any) with a profile
 * algorithm. PKCE S256 and `iss` in the authorization response hold for every client of every server.
 *
 * What no column says — that the client is under the profile, so its DPoP proofs are limited to the
 * profile's algorithms, its codes to 60 seconds, and `client update` cannot weaken it — is one record of
 * `store.records` keyed by the client id: the clients table has no column for it and a migration was not
 * on the table; a future migration can move it into a column without changing the rules. It is deleted
 * with the client (records carry their client id) and read only for clients whose settings already have
 * the profile's shape, so other clients pay no extra read.
 *
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.3
 */

/** FAPI 2.0 §5.4.1: PS256, ES256 or EdDSA for every signature (`FAPI2_ALGORITHMS` of index.ts, which this file must not import). */
export const PROFILE_ALGORITHMS: readonly string[] = ['PS256', 'ES256', 'EdDSA']

/** The profile a client is registered under, keyed by client id. Lives as long as the client. */
export const CLIENT_PROFILE: RecordKind<{ profile: 'fapi2' }> = { name: 'client-profile' }

/** 9999-12-31: the record lives until the client is deleted. */
export const FOREVER = 253_402_300_799

/** FAPI 2.0 §5.3.2.1: authorization codes live at most 60 seconds. */
export const FAPI2_CODE_LIFETIME = 60

/** The client settings the profile decides (ClientRecord's names, which are RFC 7591's and the admin API's). */
export type Fapi2Settings = Pick<ClientRecord,
  'token_endpoint_auth_method' | 'token_endpoint_auth_signing_alg' | 'require_pushed_authorization_requests' | 'dpop_bound_access_tokens'
  | 'id_token_signed_response_alg' | 'request_object_signing_alg'>

/** A setting that leaves the profile: which one, and why. */
export interface Fapi2Violation {
  member: keyof Fapi2Settings
  problem: string
}

/**
 * Whether `client`'s settings are the profile's, or the first that is not and why: the reason a FAPI 2.0
 * client cannot be created or changed that way.
 */
export function fapi2ClientViolation(client: Fapi2Settings): Fapi2Violation | undefined {
  if (client.token_endpoint_auth_method !== 'private_key_jwt') return { member: 'token_endpoint_auth_method', problem: 'FAPI 2.0 clients authenticate with private_key_jwt (auth method)' }
  if (client.token_endpoint_auth_signing_alg === null || !PROFILE_ALGORITHMS.includes(client.token_endpoint_auth_signing_alg)) {
    return { member: 'token_endpoint_auth_signing_alg', problem: `FAPI 2.0 client assertions are signed with ${PROFILE_ALGORITHMS.join(', ')} (auth signing alg)` }
  }
  if (!client.require_pushed_authorization_requests) return { member: 'require_pushed_authorization_requests', problem: 'FAPI 2.0 clients must push their authorization requests (require PAR)' }
  if (!client.dpop_bound_access_tokens) return { member: 'dpop_bound_access_tokens', problem: 'FAPI 2.0 access tokens are sender-constrained (DPoP-bound)' }
  if (client.id_token_signed_response_alg !== 'ES256') return { member: 'id_token_signed_response_alg', problem: 'FAPI 2.0 ID tokens are signed with ES256 here (id token alg)' }
  if (client.request_object_signing_alg !== null && !PROFILE_ALGORITHMS.includes(client.request_object_signing_alg)) {
    return { member: 'request_object_signing_alg', problem: `FAPI 2.0 request objects are signed with ${PROFILE_ALGORITHMS.join(', ')} (request object alg)` }
  }
  return undefined
}

/** `fapi2ClientViolation`'s reason alone. */
export function fapi2ClientProblem(client: Fapi2Settings): string | undefined {
  return fapi2ClientViolation(client)?.problem
}

/** Whether the client's settings have the profile's shape: the cheap test before its profile record is read. */
function hasProfileShape(client: ClientRecord): boolean {
  return client.require_pushed_authorization_requests && client.dpop_bound_access_tokens && client.token_endpoint_auth_method === 'private_key_jwt'
}

/** The profile `client` is registered under, or undefined; reads the store only for a client of the profile's shape. */
export async function clientProfile(store: Store, client: ClientRecord, now: number): Promise<'fapi2' | undefined> {
  if (!hasProfileShape(client)) return undefined
  return (await store.records.get(CLIENT_PROFILE, client.client_id, now))?.value.profile
}

/**
 * How long `clientId`'s authorization codes live: the server's lifetime, at most 60 seconds for a FAPI 2.0
 * client (§5.3.2.1). Reads nothing while the server's lifetime is within the bound (the default, 60 s).
 */
export async function authorizationCodeLifetime(ctx: ServerContext, clientId: string): Promise<number> {
  const lifetime = ctx.config.lifetimes.authorizationCode
  if (lifetime <= FAPI2_CODE_LIFETIME) return lifetime
  const client = await ctx.config.store.clients.get(clientId)
  return client && (await clientProfile(ctx.config.store, client, ctx.config.now())) === 'fapi2' ? FAPI2_CODE_LIFETIME : lifetime
}

/** The DPoP proof algorithms `client` may use: the server's, narrowed to the profile's for a FAPI 2.0 client (§5.4.1). */
export async function dpopAlgorithmsFor(ctx: ServerContext, client: ClientRecord): Promise<readonly string[]> {
  const algorithms = ctx.config.dpop.algorithms
  if ((await clientProfile(ctx.config.store, client, ctx.config.now())) !== 'fapi2') return algorithms
  return algorithms.filter((alg) => PROFILE_ALGORITHMS.includes(alg))
}
