import type { EndedSession, ServerContext, SessionEndReason } from './context.js'

/*
 * The one place the core tells capabilities about provider sessions (`Capability.sessionListener`). A
 * listener's failure is the operator's to read in the log: the user's login or logout goes on.
 */

/** A code was issued to `clientId` in the provider session `sid`. */
export async function sessionServed(ctx: ServerContext, session: { sid: string; userId: string }, clientId: string): Promise<void> {
  for (const capability of ctx.registry.capabilities) {
    const listener = capability.sessionListener?.served
    if (!listener) continue
    try {
      await listener(ctx, session, clientId)
    } catch (error) {
      ctx.config.logger?.error({ err: error, capability: capability.name }, 'session listener failed')
    }
  }
}

/** Provider sessions ended; called before they (or their user) are deleted. */
export async function sessionsEnded(ctx: ServerContext, sessions: readonly EndedSession[], reason: SessionEndReason): Promise<void> {
  if (sessions.length === 0) return
  for (const capability of ctx.registry.capabilities) {
    const listener = capability.sessionListener?.ended
    if (!listener) continue
    try {
      await listener(ctx, sessions, reason)
    } catch (error) {
      ctx.config.logger?.error({ err: error, capability: capability.name }, 'session listener failed')
    }
  }
}
