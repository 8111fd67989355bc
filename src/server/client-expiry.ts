import type { ClientRecord } from '../storage/types.js'
import type { ServerContext } from './context.js'

/**
 * Whether a stored client is usable at `now`. A dynamically registered client that got no token before its
 * deadline is treated as unknown everywhere (and purged by the registration capability), so an abandoned
 * registration cannot be picked up later by whoever finds its id (RFC 7591 §3.2.1; catalogue DR-15). A
 * client the operator disabled is unknown too, to its registration access token as well (catalogue DR-09).
 */
export function isClientActive(client: ClientRecord, now: number): boolean {
  return !client.disabled && (client.expires_at === null || client.expires_at > now)
}

/**
 * After a client's first token: a client in use no longer expires. Read again just before the write, so
 * the window in which a concurrent RFC 7592 update could be overwritten is one round trip, once per client.
 */
export async function markClientUsed(ctx: ServerContext, client: ClientRecord): Promise<void> {
  if (client.expires_at === null) return
  const current = await ctx.config.store.clients.get(client.client_id)
  if (current && current.expires_at !== null) await ctx.config.store.clients.update({ ...current, expires_at: null })
}
