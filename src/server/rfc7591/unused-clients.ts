import type { ServerContext } from '../context.js'
import './audit-events.js'

/** Deletions per registration: the purge keeps up with registrations without making one of them slow. */
const PURGE_BATCH = 100

/**
 * Deletes dynamically registered clients that passed their deadline without obtaining a token (they are
 * already treated as unknown, `client-expiry.ts`), so storage stays bounded however many registrations
 * are abandoned (catalogue DR-15). Runs on each registration and reads only one batch of expired clients
 * (by the `expires_at` index), never the whole client table.
 */
export async function purgeUnusedClients(ctx: ServerContext, now: number): Promise<void> {
  const expired = (await ctx.config.store.clients.list({ expiredAt: now, limit: PURGE_BATCH }))
    .filter((client) => client.registered_by === 'dynamic')
  for (const client of expired) {
    if (await ctx.config.store.clients.delete(client.client_id)) {
      await ctx.audit.record({ type: 'client.registration_expired', client_id: client.client_id, actor: 'server' })
    }
  }
}
