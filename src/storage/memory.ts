import {
  StorageConflictError,
  type AccessTokenRecord, type AuditQuery, type AuditRecord, type AuthorizationCodeRecord, type ClientRecord, type ConsentRecord, type InteractionRecord,
  type LoginSessionRecord, type NoteRecord, type RefreshTokenRecord, type SigningKeyRecord, type Store, type UserRecord,
} from './types.js'

export interface MemoryStoreOptions {
  /** The newest this many audit records are kept; default 10,000. */
  maxAuditRecords?: number
}

const DEFAULT_MAX_AUDIT_RECORDS = 10_000

/**
 * A store in process memory, for tests, examples and single-process development; everything is lost on
 * exit. Atomicity comes from JavaScript running one function at a time: no method awaits between
 * reading and writing a Map, so every check-and-set (consume, rotate) completes before another caller
 * runs. Records are cloned on the way in and out, so callers never hold a reference into the store.
 *
 * Audit records are kept for their retention like in every store, but at most `maxAuditRecords` of them
 * (the newest): a process that issues tokens for days would otherwise grow without bound, and nothing
 * of a memory store outlives the process anyway. Each event's log line is written regardless.
 *
 * @example const store = createMemoryStore()
 * @see ./types.ts for the contract
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const maxAuditRecords = options.maxAuditRecords ?? DEFAULT_MAX_AUDIT_RECORDS
  const clients = new Map<string, ClientRecord>()
  const users = new Map<string, UserRecord>()
  const userIdsByUsername = new Map<string, string>()
  const codes = new Map<string, AuthorizationCodeRecord>()
  const refreshTokens = new Map<string, RefreshTokenRecord>()
  const accessTokens = new Map<string, AccessTokenRecord>()
  const revokedGrants = new Map<string, number>()
  const revokedTokens = new Map<string, number>()
  const consents = new Map<string, ConsentRecord>()
  const sessions = new Map<string, LoginSessionRecord>()
  const interactions = new Map<string, InteractionRecord>()
  const keys = new Map<string, SigningKeyRecord>()
  const notes = new Map<string, NoteRecord>()
  const audit = new Map<string, AuditRecord>()
  let keysVersion = 0

  // Records are JSON-shaped (primitives, arrays, plain objects): copied by hand, several times cheaper
  // than structuredClone, and still no caller shares an array or object with the store.
  const copy = <T>(value: T): T => {
    if (Array.isArray(value)) return value.map(copy) as T
    if (value === null || typeof value !== 'object') return value
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key])
    return out as T
  }
  // JSON keeps the pair unambiguous whatever characters the ids contain.
  const consentKey = (userId: string, clientId: string) => JSON.stringify([userId, clientId])
  const grantRevoked = (grantId: string, now: number) => (revokedGrants.get(grantId) ?? -Infinity) > now

  function deleteWhere<T>(map: Map<string, T>, matches: (value: T) => boolean): number {
    let count = 0
    for (const [key, value] of map) if (matches(value) && map.delete(key)) count++
    return count
  }

  // A second revocation never shortens the first.
  function revokeGrant(grantId: string, until: number): void {
    revokedGrants.set(grantId, Math.max(until, revokedGrants.get(grantId) ?? -Infinity))
    deleteWhere(refreshTokens, (token) => token.grant_id === grantId)
    deleteWhere(accessTokens, (token) => token.grant_id === grantId)
  }

  return {
    clients: {
      async create(client) {
        if (clients.has(client.client_id)) throw new StorageConflictError(`client_id ${client.client_id} already exists`)
        clients.set(client.client_id, copy(client))
      },
      async get(clientId) {
        const client = clients.get(clientId)
        return client && copy(client)
      },
      async list() {
        return [...clients.values()].sort((a, b) => a.created_at - b.created_at || compare(a.client_id, b.client_id)).map(copy)
      },
      async update(client) {
        const stored = clients.get(client.client_id)
        if (!stored) return false
        clients.set(client.client_id, copy({ ...client, created_at: stored.created_at }))
        return true
      },
      async delete(clientId) {
        if (!clients.delete(clientId)) return false
        deleteWhere(codes, (code) => code.client_id === clientId)
        deleteWhere(refreshTokens, (token) => token.client_id === clientId)
        deleteWhere(accessTokens, (token) => token.client_id === clientId)
        deleteWhere(consents, (consent) => consent.client_id === clientId)
        return true
      },
    },

    users: {
      async create(user) {
        if (users.has(user.id) || userIdsByUsername.has(user.username)) {
          throw new StorageConflictError(`user ${user.id} or username ${user.username} already exists`)
        }
        users.set(user.id, copy(user))
        userIdsByUsername.set(user.username, user.id)
      },
      async get(id) {
        const user = users.get(id)
        return user && copy(user)
      },
      async getByUsername(username) {
        const user = users.get(userIdsByUsername.get(username) ?? '')
        return user && copy(user)
      },
      async list() {
        return [...users.values()].sort((a, b) => a.created_at - b.created_at || compare(a.id, b.id)).map(copy)
      },
      async update(user) {
        const stored = users.get(user.id)
        if (!stored) return false
        users.set(user.id, copy({ ...user, username: stored.username, created_at: stored.created_at }))
        return true
      },
      async delete(id) {
        const user = users.get(id)
        if (!user) return false
        users.delete(id)
        userIdsByUsername.delete(user.username)
        deleteWhere(sessions, (session) => session.user_id === id)
        deleteWhere(codes, (code) => code.user_id === id)
        deleteWhere(refreshTokens, (token) => token.user_id === id)
        deleteWhere(accessTokens, (token) => token.user_id === id)
        deleteWhere(consents, (consent) => consent.user_id === id)
        deleteWhere(notes, (note) => note.owner === id)
        return true
      },
    },

    codes: {
      async save(code) {
        if (codes.has(code.code_hash)) throw new StorageConflictError('code exists')
        codes.set(code.code_hash, copy(code))
      },
      // RFC 6749 §4.1.2 / §10.5: a code is used once. Check and set happen in one synchronous run.
      async consume(codeHash, now) {
        const code = codes.get(codeHash)
        if (!code || code.expires_at <= now) return { status: 'unknown' }
        if (code.consumed_at !== null) return { status: 'replayed', code: copy(code) }
        code.consumed_at = now
        return { status: 'consumed', code: copy(code) }
      },
    },

    refreshTokens: {
      async save(token) {
        if (refreshTokens.has(token.token_hash)) throw new StorageConflictError('refresh token exists')
        refreshTokens.set(token.token_hash, copy(token))
      },
      // Returns consumed (rotated) tokens too: presenting one is reuse, which the caller must see to revoke
      // the family (RFC 9700 §4.14.2). Undefined when unknown, expired (`expires_at <= now`) or when the
      // grant is revoked (revoked until a time after `now`).
      async find(tokenHash, now) {
        const token = refreshTokens.get(tokenHash)
        if (!token || token.expires_at <= now || grantRevoked(token.grant_id, now)) return undefined
        return copy(token)
      },
      // RFC 9700 §4.14.2 rotation: of concurrent callers exactly one marks the token consumed.
      async rotate(previousHash, next, now) {
        const previous = refreshTokens.get(previousHash)
        if (!previous || previous.expires_at <= now || grantRevoked(previous.grant_id, now)) return { status: 'unknown' }
        if (previous.consumed_at !== null) return { status: 'reused', previous: copy(previous) }
        if (refreshTokens.has(next.token_hash)) throw new StorageConflictError('refresh token exists')
        previous.consumed_at = now
        refreshTokens.set(next.token_hash, copy(next))
        return { status: 'rotated', previous: copy(previous) }
      },
    },

    accessTokens: {
      async save(token) {
        if (accessTokens.has(token.token_hash)) throw new StorageConflictError('access token exists')
        accessTokens.set(token.token_hash, copy(token))
      },
      async find(tokenHash, now) {
        const token = accessTokens.get(tokenHash)
        if (!token || token.expires_at <= now || (token.grant_id !== null && grantRevoked(token.grant_id, now))) return undefined
        return copy(token)
      },
      async delete(tokenHash) {
        accessTokens.delete(tokenHash)
      },
    },

    grants: {
      async revoke(grantId, until) {
        revokeGrant(grantId, until)
      },
      async isRevoked(grantId, now) {
        return grantRevoked(grantId, now)
      },
      // The grants of a user and client are those of their refresh tokens, codes and opaque access
      // tokens. A grant already revoked until at least `until` is not counted again, so a repeated
      // "disconnect" reports 0.
      async revokeByUserAndClient(userId, clientId, until) {
        const grantIds = new Set<string>()
        for (const record of [...refreshTokens.values(), ...codes.values(), ...accessTokens.values()]) {
          if (record.user_id === userId && record.client_id === clientId && record.grant_id !== null) grantIds.add(record.grant_id)
        }
        let count = 0
        for (const grantId of grantIds) {
          if ((revokedGrants.get(grantId) ?? -Infinity) >= until) continue
          revokeGrant(grantId, until)
          count++
        }
        return count
      },
    },

    revokedTokens: {
      // RFC 7009 §2.2: revoking an already revoked token succeeds; keep the later expiry.
      async add(jti, expiresAt) {
        revokedTokens.set(jti, Math.max(expiresAt, revokedTokens.get(jti) ?? -Infinity))
      },
      async has(jti, now) {
        return (revokedTokens.get(jti) ?? -Infinity) > now
      },
    },

    consents: {
      async get(userId, clientId) {
        const consent = consents.get(consentKey(userId, clientId))
        return consent && copy(consent)
      },
      async grant(userId, clientId, scopes, now) {
        const existing = consents.get(consentKey(userId, clientId))
        consents.set(consentKey(userId, clientId), {
          user_id: userId,
          client_id: clientId,
          scopes: [...new Set([...(existing?.scopes ?? []), ...scopes])],
          created_at: existing?.created_at ?? now,
          updated_at: now,
        })
      },
      async revoke(userId, clientId) {
        return consents.delete(consentKey(userId, clientId))
      },
      async listByUser(userId) {
        return [...consents.values()]
          .filter((consent) => consent.user_id === userId)
          .sort((a, b) => compare(a.client_id, b.client_id))
          .map(copy)
      },
    },

    sessions: {
      async create(session) {
        if (sessions.has(session.id_hash)) throw new StorageConflictError('session exists')
        sessions.set(session.id_hash, copy(session))
      },
      async get(idHash, now) {
        const session = sessions.get(idHash)
        return session && session.expires_at > now ? copy(session) : undefined
      },
      async delete(idHash) {
        sessions.delete(idHash)
      },
      async deleteByUser(userId) {
        deleteWhere(sessions, (session) => session.user_id === userId)
      },
    },

    interactions: {
      // An upsert: the server saves the interaction again once the user has logged in.
      async save(interaction) {
        interactions.set(interaction.id, copy(interaction))
      },
      async get(id, now) {
        const interaction = interactions.get(id)
        return interaction && interaction.expires_at > now ? copy(interaction) : undefined
      },
      // Single use: the first submission removes it, so a second (or concurrent) one finds nothing.
      async consume(id, now) {
        const interaction = interactions.get(id)
        if (!interaction || interaction.expires_at <= now) return undefined
        interactions.delete(id)
        return interaction
      },
    },

    keys: {
      // Newest first; `kid` breaks ties between keys created in the same second, identically in every store.
      async list(now) {
        return [...keys.values()]
          .filter((key) => key.expires_at === null || key.expires_at > now)
          .sort((a, b) => b.created_at - a.created_at || compare(a.kid, b.kid))
          .map(copy)
      },
      async add(key) {
        if (keys.has(key.kid)) throw new StorageConflictError(`kid ${key.kid} already exists`)
        keys.set(key.kid, copy(key))
        keysVersion++
      },
      // Keys retired earlier keep their own retirement time and expiry.
      async retireAllExcept(keep, now, expiresAt) {
        const kept = new Set(typeof keep === 'string' ? [keep] : keep)
        for (const key of keys.values()) {
          if (kept.has(key.kid) || key.retired_at !== null) continue
          key.retired_at = now
          key.expires_at = expiresAt
        }
        keysVersion++
      },
      async version() {
        return String(keysVersion)
      },
    },

    // Consumed codes and rotated refresh tokens stay until they expire, so a replay is still detected
    // (RFC 6749 §4.1.2, RFC 9700 §4.14.2); signing keys are not purged, `list` filters them.
    notes: {
      async create(note) {
        if (notes.has(note.id)) throw new StorageConflictError(`note ${note.id} exists`)
        notes.set(note.id, copy(note))
      },
      async list(owner) {
        return [...notes.values()]
          .filter((note) => note.owner === owner)
          .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1))
          .map(copy)
      },
      async get(owner, id) {
        const note = notes.get(id)
        return note && note.owner === owner ? copy(note) : undefined
      },
      async update(owner, id, changes, now) {
        const note = notes.get(id)
        if (!note || note.owner !== owner) return undefined
        if (changes.title !== undefined) note.title = changes.title
        if (changes.body !== undefined) note.body = changes.body
        note.updated_at = now
        return copy(note)
      },
      async delete(owner, id) {
        const note = notes.get(id)
        return note !== undefined && note.owner === owner && notes.delete(id)
      },
    },
    audit: {
      async append(...records) {
        const ids = new Set(records.map((record) => record.id))
        const duplicate = records.find((record) => audit.has(record.id))
        if (duplicate || ids.size < records.length) throw new StorageConflictError(`audit record ${duplicate?.id ?? ''} exists`)
        for (const record of records) audit.set(record.id, copy(record))
        // A Map iterates in insertion order: the first keys are the oldest records.
        for (const id of audit.keys()) {
          if (audit.size <= maxAuditRecords) break
          audit.delete(id)
        }
      },
      async list(query) {
        return [...audit.values()]
          .filter((record) => matchesAuditQuery(record, query))
          .sort((a, b) => b.time - a.time || compare(b.id, a.id))
          .slice(0, query.limit)
          .map(copy)
      },
    },
    async purgeExpired(now) {
      const expired = (record: { expires_at: number }) => record.expires_at <= now
      deleteWhere(audit, expired)
      deleteWhere(codes, expired)
      deleteWhere(refreshTokens, expired)
      deleteWhere(accessTokens, expired)
      deleteWhere(sessions, expired)
      deleteWhere(interactions, expired)
      deleteWhere(revokedGrants, (until) => until <= now)
      deleteWhere(revokedTokens, (expiresAt) => expiresAt <= now)
    },

    async ping() {},

    async close() {},
  }
}

function matchesAuditQuery(record: AuditRecord, query: AuditQuery): boolean {
  const types = typeof query.type === 'string' ? [query.type] : query.type
  return (query.since === undefined || record.time >= query.since)
    && (query.until === undefined || record.time < query.until)
    && (types === undefined || types.includes(record.type))
    && (query.subject === undefined || record.subject === query.subject)
    && (query.clientId === undefined || record.client_id === query.clientId)
}

/** Plain code-unit order, like SQLite's default BINARY collation for ASCII ids. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
