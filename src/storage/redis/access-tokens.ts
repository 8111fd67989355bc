import { StorageConflictError, type AccessTokenRecord, type AccessTokenStore } from '../types.js'
import { DELETE_INDEXED, LIST_INDEXED, SAVE_INDEXED, type RedisContext } from './lua.js'

/** Opaque access tokens, and what deleting their user or client and "disconnect this app" need of them. */
export interface RedisAccessTokens extends AccessTokenStore {
  deleteByClient(clientId: string): Promise<void>
  deleteByUser(userId: string): Promise<void>
  /** Grant ids of the user's opaque access tokens for one client (until they expire), each once. */
  listGrantIds(userId: string, clientId: string): Promise<string[]>
}

/**
 * A hash `{prefix}access-token:{hash}` per token, listed in sorted sets per user and per client (score
 * `expires_at`). The TTL ends the record at its `exp` (nothing to purge by hand); RFC 7009 revocation
 * deletes the key, which every instance sees at once.
 */
export function redisAccessTokens({ prefix, redis, run, ttl, clock }: RedisContext): RedisAccessTokens {
  const key = {
    token: (tokenHash: string) => `${prefix}access-token:${tokenHash}`,
    ofUser: (userId: string) => `${prefix}user-access-tokens:${userId}`,
    ofClient: (clientId: string) => `${prefix}client-access-tokens:${clientId}`,
  }
  return {
    async save(token) {
      const indexes = [key.ofClient(token.client_id), ...(token.user_id !== null ? [key.ofUser(token.user_id)] : [])]
      const saved = await run(SAVE_INDEXED, [key.token(token.token_hash), ...indexes], [JSON.stringify(token), token.expires_at, ttl(token.expires_at), token.token_hash, clock()])
      if (saved !== 1) throw new StorageConflictError('access token exists')
    },
    async find(tokenHash, now) {
      const [record, expiresAt] = await redis.hmget(key.token(tokenHash), 'record', 'expires_at')
      return record != null && Number(expiresAt) > now ? (JSON.parse(record) as AccessTokenRecord) : undefined
    },
    async delete(tokenHash) {
      await redis.del(key.token(tokenHash))
    },
    async deleteByClient(clientId) {
      await run(DELETE_INDEXED, [key.ofClient(clientId)], [key.token('')])
    },
    async deleteByUser(userId) {
      await run(DELETE_INDEXED, [key.ofUser(userId)], [key.token('')])
    },
    async listGrantIds(userId, clientId) {
      const records = (await run(LIST_INDEXED, [key.ofUser(userId)], [key.token('')])) as string[]
      const grantIds = records
        .map((record) => JSON.parse(record) as AccessTokenRecord)
        .flatMap((token) => (token.client_id === clientId && token.grant_id !== null ? [token.grant_id] : []))
      return [...new Set(grantIds)]
    },
  }
}
