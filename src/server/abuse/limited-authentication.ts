import { OAuthError } from '../../errors.js'
import type { Parameters } from '../../http/form.js'
import type { OAuthRequest } from '../../http/types.js'
import type { ClientRecord } from '../../storage/types.js'
import { authenticateClient, presentedCredentials } from '../client-authentication.js'
import type { AuthenticatingEndpoint, PresentedClientCredentials, ServerContext } from '../context.js'

/**
 * `authenticateClient` behind the client limits: an address that keeps failing is refused before its
 * next guess is checked (RFC 6749 §10.10: the server MUST prevent guessing of client credentials), and
 * each failure is counted. The credentials are read once; a request whose credentials cannot be read
 * counts as a failure of no known client. Throws `RateLimitedError` (429) or the authentication's own error.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.10
 */
export async function authenticateClientWithinLimits(ctx: ServerContext, request: OAuthRequest, params: Parameters, endpoint: AuthenticatingEndpoint): Promise<ClientRecord> {
  const limits = ctx.clientLimits
  const address = request.remoteAddress
  let presented: PresentedClientCredentials | undefined
  let unreadable: unknown
  try {
    presented = presentedCredentials(ctx, request.headers, params)
  } catch (error) {
    unreadable = error
  }
  await limits.admitAuthentication(address, () => presented?.clientId, ctx.config.now())
  let client: ClientRecord
  try {
    if (unreadable !== undefined) throw unreadable
    client = await authenticateClient(ctx, presented, endpoint)
  } catch (error) {
    if (error instanceof OAuthError && error.error === 'invalid_client') {
      await limits.authenticationFailed(address, presented?.clientId, ctx.config.now())
    }
    throw error
  }
  await limits.countRequest(client.client_id, ctx.config.now())
  return client
}
