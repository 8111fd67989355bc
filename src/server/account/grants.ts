import { LOGIN_SESSION } from '../../storage/kinds/sessions.js'
import type { Store } from '../../storage/types.js'
import { revokeUserGrants } from '../admin.js'
import type { ServerContext } from '../context.js'

/** How long a revocation must be remembered: until every token it covers would have expired anyway. */
export function revocationHorizon(ctx: ServerContext): number {
  const { refreshToken, accessToken } = ctx.config.lifetimes
  return ctx.config.now() + Math.max(refreshToken, accessToken)
}

/**
 * Revokes every grant of the user at every client (after a password change or reset, ASVS 7.4.3), remembered
 * as long as the server's tokens live (`revokeUserGrants`). Returns how many grants ended.
 */
export function revokeAllGrants(ctx: ServerContext, userId: string): Promise<number> {
  return revokeUserGrants(ctx.config.store, userId, revocationHorizon(ctx))
}

/** One of a user's login sessions: its public id (`sid`) and its store key (the hash of its cookie id). */
export interface LiveSession {
  key: string
  sid: string
  createdAt: number
  authTime: number
  expiresAt: number
}

/**
 * The user's live login sessions, newest first. Sessions are keyed records with the user as subject, so
 * they are listed without a store method of their own (the CLI's `user sessions` too).
 */
export async function liveSessions(store: Store, userId: string, now: number): Promise<LiveSession[]> {
  const records = await store.records.listBySubject(LOGIN_SESSION, userId)
  return records
    .filter((record) => record.expiresAt > now && record.consumedAt === null)
    .map((record): LiveSession => ({ key: record.key, sid: record.value.sid, createdAt: record.value.created_at, authTime: record.value.auth_time, expiresAt: record.expiresAt }))
    .sort((a, b) => b.createdAt - a.createdAt)
}


/** Every live session of the user, as the session listeners (back-channel logout) are told of them. */
export async function endingSessions(ctx: ServerContext, userId: string): Promise<{ sid: string; user_id: string }[]> {
  return (await liveSessions(ctx.config.store, userId, ctx.config.now())).map((entry) => ({ sid: entry.sid, user_id: userId }))
}
