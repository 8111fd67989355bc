import { randomToken } from '../../crypto/random.js'
import type { RecordKind, RecordStore } from '../../storage/types.js'
import type { SessionEndReason } from '../context.js'
import { SESSION_CLIENT, type SessionClient } from './records.js'

/**
 * Sessions ended where no server runs — the CLI (`user sessions revoke`, `user delete`) and the admin
 * functions (`updateUser` with a password, `deleteUser`) work on the store alone and cannot sign a logout
 * token. They leave one record per client to tell; every running server's `backchannelLogout()` takes
 * them (atomically: one instance sends each) within a few seconds and delivers them like its own.
 */
export interface QueuedLogout {
  client_id: string
  sid: string
  user_id: string
  reason: SessionEndReason
}

export const QUEUED_LOGOUT: RecordKind<QueuedLogout> = { name: 'backchannel-queued-logout' }

/** The subject the queue is listed by: not a user id, so deleting the user does not empty it. */
export const QUEUE_SUBJECT = 'backchannel-logout:queue'

/** A queued logout not taken within this time is dropped: a logout token this late is no longer useful. */
const QUEUE_SECONDS = 600

/**
 * Queues logout tokens for the clients served in the user's sessions `sids` (every session of the user
 * when `sids` is omitted), for a running server to send; forgets that those sessions served them.
 *
 * @example await queueBackchannelLogout(store, userId, 'user_deleted', now)
 */
export async function queueBackchannelLogout(store: { readonly records: RecordStore }, userId: string, reason: SessionEndReason, now: number, sids?: readonly string[]): Promise<number> {
  let queued = 0
  for (const record of await store.records.listBySubject<SessionClient>(SESSION_CLIENT, userId)) {
    if (record.expiresAt <= now || (sids !== undefined && !sids.includes(record.value.sid))) continue
    const value: QueuedLogout = { client_id: record.value.client_id, sid: record.value.sid, user_id: userId, reason }
    await store.records.put(QUEUED_LOGOUT, { key: randomToken(16), value, expiresAt: now + QUEUE_SECONDS, subject: QUEUE_SUBJECT, clientId: value.client_id })
    await store.records.delete(SESSION_CLIENT, record.key)
    queued++
  }
  return queued
}

/** Takes the queued logouts this instance wins (`consume`: each goes to one instance only). */
export async function takeQueuedLogouts(records: RecordStore, now: number): Promise<QueuedLogout[]> {
  const taken: QueuedLogout[] = []
  for (const record of await records.listBySubject<QueuedLogout>(QUEUED_LOGOUT, QUEUE_SUBJECT)) {
    if (record.consumedAt !== null || record.expiresAt <= now) continue
    const result = await records.consume<QueuedLogout>(QUEUED_LOGOUT, record.key, now)
    if (result.status === 'consumed') taken.push(result.record.value)
  }
  return taken
}
