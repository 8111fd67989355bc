import type { LoginSessionRecord, LoginSessionStore, RecordKind, RecordStore } from '../types.js'

/** The provider's login sessions, keyed by `id_hash`, deleted with their user. */
export const LOGIN_SESSION: RecordKind<LoginSessionRecord> = { name: 'session' }

/**
 * `store.sessions` over the record facility, the same for every backend.
 *
 * @example const sessions = loginSessionStore(records)
 */
export function loginSessionStore(records: RecordStore): LoginSessionStore {
  return {
    create: (session) => records.put(LOGIN_SESSION, { key: session.id_hash, value: session, expiresAt: session.expires_at, subject: session.user_id }),
    get: async (idHash, now) => (await records.get(LOGIN_SESSION, idHash, now))?.value,
    delete: (idHash) => records.delete(LOGIN_SESSION, idHash),
    deleteByUser: (userId) => records.deleteBySubject(userId, LOGIN_SESSION),
  }
}
