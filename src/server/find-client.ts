import type { ClientRecord } from '../storage/types.js'
import { isClientActive } from './client-expiry.js'
import type { ServerContext } from './context.js'

/**
 * The one client lookup of the server: the stored client (unless expired, see `isClientActive`), or else
 * the client a registered `ClientSource` resolves (a client ID metadata document), or undefined. Every
 * place that loads a client by id uses it — authorization, client authentication at the token,
 * revocation and introspection endpoints, the login and consent pages, logout, token validation — so a
 * client works the same wherever it comes from.
 *
 * Throws `OAuthError` `invalid_client` when a source owns the id but cannot produce the client.
 *
 * @example const client = await findClient(ctx, params.get('client_id'))
 */
export async function findClient(ctx: ServerContext, clientId: string): Promise<ClientRecord | undefined> {
  const stored = await ctx.config.store.clients.get(clientId)
  if (stored) return isClientActive(stored, ctx.config.now()) ? stored : undefined
  const source = ctx.registry.clientSources.find((candidate) => candidate.handles(clientId))
  return source ? source.resolve(ctx, clientId) : undefined
}
