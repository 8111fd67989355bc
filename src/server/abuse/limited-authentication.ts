import { OAuthError } from '../../errors.js'
import type { Parameters } from '../../http/form.js'
import type { OAuthRequest } from '../../http/types.js'
import { readClientCredentials } from '../../protocol/rfc6749/client-credentials.js'
import type { ClientRecord } from '../../storage/types.js'
import { authenticateClient } from '../client-authentication.js'
import type { ServerContext } from '../context.js'

function presentedClientId(request: OAuthRequest, params: Parameters): string | undefined {
  try {
    return readClientCredentials(request.headers, params)?.clientId
  } catch {
    return undefined
  }
}

/**
 * `authenticateClient` behind the client limits: an address that keeps failing is refused before its
 * next guess is checked (RFC 6749 §10.10: the server MUST prevent guessing of client credentials), and
 * each failure is counted. Throws `RateLimitedError` (429) or the authentication's own error.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.10
 */
export async function authenticateClientWithinLimits(ctx: ServerContext, request: OAuthRequest, params: Parameters): Promise<ClientRecord> {
  const limits = ctx.clientLimits
  const address = request.remoteAddress
  await limits.admitAuthentication(address, () => presentedClientId(request, params), ctx.config.now())
  let client: ClientRecord
  try {
    client = await authenticateClient(ctx, request.headers, params)
  } catch (error) {
    if (error instanceof OAuthError && error.error === 'invalid_client') {
      await limits.authenticationFailed(address, presentedClientId(request, params), ctx.config.now())
    }
    throw error
  }
  await limits.countRequest(client.client_id, ctx.config.now())
  return client
}
