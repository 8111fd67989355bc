import { OAuthError } from '../errors.js'
import type { Parameters } from '../http/form.js'
import { digestsEqual, sha256 } from '../crypto/random.js'
import { readClientCredentials } from '../protocol/rfc6749/client-credentials.js'
import type { ClientRecord } from '../storage/types.js'
import type { AuthenticatingEndpoint, ClientAuthenticationMethod, CredentialReader, PresentedClientCredentials, ServerContext } from './context.js'
import { RFC6749_READER } from './registry.js'
import { findClient } from './find-client.js'

// One message for unknown client, wrong secret and wrong method: no client enumeration (ASVS 6.3.8).
const FAILED = 'Client authentication failed'
const NEVER_MATCHES = sha256('tessera: no client has this secret')
const ALL_ENDPOINTS: readonly AuthenticatingEndpoint[] = ['token', 'revocation', 'introspection', 'par']

/**
 * The client authentication a request presents, read once per request by the registered readers in
 * order (RFC 6749 §2.3: at most one method). `undefined` when the request names no client.
 * Throws `invalid_request` / `invalid_client` for a malformed or ambiguous presentation.
 */
export function presentedCredentials(ctx: ServerContext, headers: Headers, params: Parameters): PresentedClientCredentials | undefined {
  for (const reader of ctx.registry.readers) {
    const presented = reader.read(headers, params)
    if (presented) return presented
  }
  return undefined
}

/**
 * Authenticates the client of a token, revocation or introspection request (RFC 6749 §2.3, §3.2.1) from
 * what `presentedCredentials` read. The method the client registered is binding: a
 * `client_secret_basic` client presenting its secret in the body, or a public client presenting a
 * secret, fails (catalogue CA-04).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export async function authenticateClient(ctx: ServerContext, presented: PresentedClientCredentials | undefined, endpoint: AuthenticatingEndpoint): Promise<ClientRecord> {
  if (!presented) throw new OAuthError('invalid_client', 'Client authentication required', { status: 401 })
  const client = await findClient(ctx, presented.clientId)
  const method = ctx.registry.authMethods.get(presented.method)
  const verified = method !== undefined && (await method.verify(ctx, client, presented))
  if (!client || !verified || client.token_endpoint_auth_method !== presented.method) {
    // Operator detail names only registered clients: an unknown "client_id" may be a secret sent in the wrong field (ST-04).
    const who = client ? `client ${presented.clientId}` : 'an unknown client'
    throw new OAuthError('invalid_client', FAILED, { detail: presented.method === 'none' ? `${who} sent no secret` : `${who} failed ${presented.method}` })
  }
  // The method is the client's own, checked; whether this endpoint offers it is what discovery says
  // (`<endpoint>_endpoint_auth_methods_supported`), e.g. RFC 7662 §2.1: introspection needs a confidential caller.
  if (!(method.endpoints ?? ALL_ENDPOINTS).includes(endpoint)) {
    throw new OAuthError('invalid_client', method.confidential ? `${presented.method} is not accepted at this endpoint` : `Public clients cannot ${endpoint === 'introspection' ? 'introspect tokens' : `use the ${endpoint} endpoint`}`)
  }
  return client
}

/** RFC 6749 §2.3.1: HTTP Basic, the secret in the body, or (public clients, §2.1) a bare `client_id`. */
const rfc6749Reader: CredentialReader = { name: RFC6749_READER, read: readClientCredentials }

/**
 * Compares even when the client is unknown, so both failures take the same time: one SHA-256 of the
 * presented secret and one constant-time comparison of two digests either way.
 */
function secretMatches(client: ClientRecord | undefined, presented: PresentedClientCredentials, now: number): boolean {
  const matches = digestsEqual(sha256(presented.clientSecret ?? ''), client?.client_secret_hash ?? NEVER_MATCHES)
  // RFC 7591 §3.2.1: past `client_secret_expires_at` the secret no longer authenticates (catalogue DR-15).
  const expired = client?.client_secret_expires_at != null && client.client_secret_expires_at <= now
  return matches && !expired
}

/** `client_secret_basic`, `client_secret_post` and `none` (RFC 6749 §2.3.1, OIDC Core §9). */
export const rfc6749ClientAuthentication: readonly ClientAuthenticationMethod[] = [
  { method: 'client_secret_basic', confidential: true, reader: rfc6749Reader, verify: (ctx, client, presented) => secretMatches(client, presented, ctx.config.now()) },
  { method: 'client_secret_post', confidential: true, reader: rfc6749Reader, verify: (ctx, client, presented) => secretMatches(client, presented, ctx.config.now()) },
  // RFC 7662 §2.1: introspection needs an authenticated caller, so public clients are not offered there.
  // RFC 9126 §2: public clients push requests by their client_id alone, as at the token endpoint.
  { method: 'none', confidential: false, endpoints: ['token', 'revocation', 'par'], reader: rfc6749Reader, verify: (_ctx, client) => client?.token_endpoint_auth_method === 'none' },
]
