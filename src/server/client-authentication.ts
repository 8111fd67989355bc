import { OAuthError } from '../errors.js'
import type { Parameters } from '../http/form.js'
import { digestsEqual, sha256 } from '../crypto/random.js'
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
  // Operator detail names only registered clients: an unknown "client_id" may be a secret sent in the wrong field (ST-04).
  const who = client ? `client ${presented.clientId}` : 'an unknown client'
  if (presented.method === 'none') {
    if (!client || client.token_endpoint_auth_method !== 'none') {
      throw new OAuthError('invalid_client', FAILED, { detail: `${who} sent no secret` })
    }
    return client
  }
  // Compare even when the client is unknown, so both failures take the same time: one SHA-256 of the
  // presented secret and one constant-time comparison of two digests either way.
  const matches = digestsEqual(sha256(presented.clientSecret ?? ''), client?.client_secret_hash ?? NEVER_MATCHES)
  if (!client || !matches || client.token_endpoint_auth_method !== presented.method) {
    throw new OAuthError('invalid_client', FAILED, { detail: `${who} failed ${presented.method}` })
  }
  return client
}
