import type { ServerContext } from '../context.js'
import './audit-events.js'

/** Deletions per registration: the purge keeps up with registrations without making one of them slow. */
const PURGE_BATCH = 100

/**
 * Deletes dynamically registered clients that passed their deadline without obtaining a token (they are
 * already treated as unknown, `client-expiry.ts`), so storage stays bounded however many registrations
 * are abandoned (catalogue DR-15). Runs on each registration.
 */
export async function purgeUnusedClients(ctx: ServerContext): Promise<void> {
  const now = ctx.config.now()
  const expired = (await ctx.config.store.clients.list())
    .filter((client) => client.registered_by === 'dynamic' && client.expires_at !== null && client.expires_at <= now)
    .slice(0, PURGE_BATCH)
  for (const client of expired) {
    if (await ctx.config.store.clients.delete(client.client_id)) {
      await ctx.audit.record({ type: 'client.registration_expired', client_id: client.client_id, actor: 'server' })
    }
  }
}
