import {
  StorageConflictError,
  type AuthorizationCodeRecord,
  type ClientRecord,
  type ConsentRecord,
  type InteractionRecord,
  type LoginSessionRecord,
  type RefreshTokenRecord,
  type SigningKeyRecord,
  type Store,
  type UserRecord,
} from './types.js'

/**
 * An in-memory store for tests and single-process experiments. Every method does its check and its
 * write synchronously, with no `await` between them, which is what makes `consume` and `rotate` atomic
 * on Node's single thread. Records are copied in and out.
 */
export function createMemoryStore(): Store {
  const clients = new Map<string, ClientRecord>()
  const users = new Map<string, UserRecord>()
  const codes = new Map<string, AuthorizationCodeRecord>()
  const refreshTokens = new Map<string, RefreshTokenRecord>()
  const revokedGrants = new Map<string, number>()
  const revokedTokens = new Map<string, number>()
  const consents = new Map<string, ConsentRecord>()
  const sessions = new Map<string, LoginSessionRecord>()
  const interactions = new Map<string, InteractionRecord>()
  const keys = new Map<string, SigningKeyRecord>()
  let keyVersion = 0

  const copy = <T>(value: T): T => structuredClone(value)
  const consentKey = (userId: string, clientId: string): string => `${userId}\u0000${clientId}`
  const grantRevoked = (grantId: string, now: number): boolean => (revokedGrants.get(grantId) ?? 0) > now

  function revokeGrant(grantId: string, until: number): void {
    revokedGrants.set(grantId, Math.max(until, revokedGrants.get(grantId) ?? 0))
    for (const [hash, token] of refreshTokens) if (token.grant_id === grantId) refreshTokens.delete(hash)
  }

  function deleteWhere<T>(map: Map<string, T>, predicate: (value: T) => boolean): void {
    for (const [key, value] of map) if (predicate(value)) map.delete(key)
  }

  return {
    clients: {
      async create(client) {
        if (clients.has(client.client_id)) throw new StorageConflictError(`client ${client.client_id} exists`)
        clients.set(client.client_id, copy(client))
      },
      async get(clientId) {
        const client = clients.get(clientId)
        return client && copy(client)
      },
      async list() {
        return [...clients.values()].map(copy)
      },
      async delete(clientId) {
        if (!clients.delete(clientId)) return false
        deleteWhere(codes, (code) => code.client_id === clientId)
        deleteWhere(refreshTokens, (token) => token.client_id === clientId)
        deleteWhere(consents, (consent) => consent.client_id === clientId)
        return true
      },
    },
    users: {
      async create(user) {
        if (users.has(user.id) || [...users.values()].some((u) => u.username === user.username)) {
          throw new StorageConflictError(`user ${user.username} exists`)
        }
        users.set(user.id, copy(user))
      },
      async get(id) {
        const user = users.get(id)
        return user && copy(user)
      },
      async getByUsername(username) {
        const user = [...users.values()].find((u) => u.username === username)
        return user && copy(user)
      },
      async list() {
        return [...users.values()].map(copy)
      },
      async delete(id) {
        if (!users.delete(id)) return false
        deleteWhere(sessions, (session) => session.user_id === id)
        deleteWhere(codes, (code) => code.user_id === id)
        deleteWhere(refreshTokens, (token) => token.user_id === id)
        deleteWhere(consents, (consent) => consent.user_id === id)
        return true
      },
    },
    codes: {
      async save(code) {
        codes.set(code.code_hash, copy(code))
      },
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
        refreshTokens.set(token.token_hash, copy(token))
      },
      async find(tokenHash, now) {
        const token = refreshTokens.get(tokenHash)
        if (!token || token.expires_at <= now || grantRevoked(token.grant_id, now)) return undefined
        return copy(token)
      },
      async rotate(previousHash, next, now) {
        const previous = refreshTokens.get(previousHash)
        if (!previous || previous.expires_at <= now || grantRevoked(previous.grant_id, now)) return { status: 'unknown' }
        if (previous.consumed_at !== null) return { status: 'reused', previous: copy(previous) }
        previous.consumed_at = now
        refreshTokens.set(next.token_hash, copy(next))
        return { status: 'rotated', previous: copy(previous) }
      },
    },
    grants: {
      async revoke(grantId, until) {
        revokeGrant(grantId, until)
      },
      async isRevoked(grantId, now) {
        return grantRevoked(grantId, now)
      },
      async revokeByUserAndClient(userId, clientId, until) {
        const grantIds = new Set<string>()
        for (const token of refreshTokens.values()) if (token.user_id === userId && token.client_id === clientId) grantIds.add(token.grant_id)
        for (const code of codes.values()) if (code.user_id === userId && code.client_id === clientId) grantIds.add(code.grant_id)
        for (const grantId of grantIds) revokeGrant(grantId, until)
        return grantIds.size
      },
    },
    revokedTokens: {
      async add(jti, expiresAt) {
        revokedTokens.set(jti, expiresAt)
      },
      async has(jti, now) {
        return (revokedTokens.get(jti) ?? 0) > now
      },
    },
    consents: {
      async get(userId, clientId) {
        const consent = consents.get(consentKey(userId, clientId))
        return consent && copy(consent)
      },
      async grant(userId, clientId, scopes, now) {
        const key = consentKey(userId, clientId)
        const existing = consents.get(key)
        consents.set(key, {
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
        return [...consents.values()].filter((consent) => consent.user_id === userId).map(copy)
      },
    },
    sessions: {
      async create(session) {
        sessions.set(session.id_hash, copy(session))
      },
      async get(idHash, now) {
        const session = sessions.get(idHash)
        return session && session.expires_at > now ? copy(session) : undefined
      },
      async delete(idHash) {
        sessions.delete(idHash)
      },
    },
    interactions: {
      async save(interaction) {
        interactions.set(interaction.id, copy(interaction))
      },
      async get(id, now) {
        const interaction = interactions.get(id)
        return interaction && interaction.expires_at > now ? copy(interaction) : undefined
      },
      async consume(id, now) {
        const interaction = interactions.get(id)
        if (!interaction) return undefined
        interactions.delete(id)
        return interaction.expires_at > now ? interaction : undefined
      },
    },
    keys: {
      async list(now) {
        return [...keys.values()]
          .filter((key) => key.expires_at === null || key.expires_at > now)
          .sort((a, b) => b.created_at - a.created_at)
          .map(copy)
      },
      async add(key) {
        if (keys.has(key.kid)) throw new StorageConflictError(`key ${key.kid} exists`)
        keys.set(key.kid, copy(key))
        keyVersion++
      },
      async retireAllExcept(keep, now, expiresAt) {
        const kept = new Set(typeof keep === 'string' ? [keep] : keep)
        for (const key of keys.values()) {
          if (kept.has(key.kid) || key.retired_at !== null) continue
          key.retired_at = now
          key.expires_at = expiresAt
        }
        keyVersion++
      },
      async version() {
        return String(keyVersion)
      },
    },
    async purgeExpired(now) {
      deleteWhere(codes, (code) => code.expires_at <= now)
      deleteWhere(refreshTokens, (token) => token.expires_at <= now)
      deleteWhere(sessions, (session) => session.expires_at <= now)
      deleteWhere(interactions, (interaction) => interaction.expires_at <= now)
      for (const [id, until] of revokedGrants) if (until <= now) revokedGrants.delete(id)
      for (const [jti, until] of revokedTokens) if (until <= now) revokedTokens.delete(jti)
      deleteWhere(keys, (key) => key.expires_at !== null && key.expires_at <= now)
    },
    async close() {},
  }
}
