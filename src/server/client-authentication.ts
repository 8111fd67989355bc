import { OAuthError } from '../errors.js'
import type { Parameters } from '../http/form.js'
import { safeEqual, sha256 } from '../crypto/random.js'
import { readClientCredentials } from '../protocol/rfc6749/client-credentials.js'
import type { ClientRecord } from '../storage/types.js'
import type { ServerContext } from './context.js'

// One message for unknown client, wrong secret and wrong method: no client enumeration (ASVS 6.3.8).
const FAILED = 'Client authentication failed'
const NEVER_MATCHES = sha256('tessera: no client has this secret')

/**
 * Authenticates the client of a token, revocation or introspection request (RFC 6749 §2.3, §3.2.1).
 * The method the client registered is binding: a `client_secret_basic` client presenting its secret in
 * the body, or a public client presenting a secret, fails (catalogue CA-04).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export async function authenticateClient(ctx: ServerContext, headers: Headers, params: Parameters): Promise<ClientRecord> {
  const presented = readClientCredentials(headers, params)
  if (!presented) throw new OAuthError('invalid_client', 'Client authentication required', { status: 401 })
  const client = await ctx.config.store.clients.get(presented.clientId)
  if (presented.method === 'none') {
    if (!client || client.token_endpoint_auth_method !== 'none') {
      throw new OAuthError('invalid_client', FAILED, { detail: `client ${presented.clientId} sent no secret` })
    }
    return client
  }
  // Compare even when the client is unknown, so both failures take the same time.
  const matches = safeEqual(sha256(presented.clientSecret ?? ''), client?.client_secret_hash ?? NEVER_MATCHES)
  if (!client || !matches || client.token_endpoint_auth_method !== presented.method) {
    throw new OAuthError('invalid_client', FAILED, { detail: `client ${presented.clientId} failed ${presented.method}` })
  }
  return client
}
