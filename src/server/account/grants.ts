import { LOGIN_SESSION } from '../../storage/kinds/sessions.js'
import type { Store } from '../../storage/types.js'
import type { ServerContext } from '../context.js'

/** How long a revocation must be remembered: until every token it covers would have expired anyway. */
export function revocationHorizon(ctx: ServerContext): number {
  const { refreshToken, accessToken } = ctx.config.lifetimes
  return ctx.config.now() + Math.max(refreshToken, accessToken)
}

/**
 * Revokes every grant of the user at every client (after a password change or reset, ASVS 7.4.3): refresh
 * tokens at once, opaque access tokens at once, JWT access tokens at introspection and userinfo (and at
 * resource servers that validate locally, when they expire). The store revokes by user and client, so this
 * asks for each stored client and each client the user consented to (clients known by a metadata document
 * are not stored). Returns how many grants ended.
 */
export async function revokeAllGrants(ctx: ServerContext, userId: string): Promise<number> {
  const { store } = ctx.config
  const until = revocationHorizon(ctx)
  const clientIds = new Set([...(await store.clients.list()).map((client) => client.client_id), ...(await store.consents.listByUser(userId)).map((consent) => consent.client_id)])
  let count = 0
  for (const clientId of clientIds) count += await store.grants.revokeByUserAndClient(userId, clientId, until)
  return count
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
