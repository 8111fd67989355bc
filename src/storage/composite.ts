/**
 * `tessera-oidc/storage/composite`: `openPostgresRedisStore`: PostgreSQL + Redis as one store.
 *
 * @module tessera-oidc/storage/composite
 */
import { composeStore } from './compose-store.js'
import { openPostgresStore, type PostgresStoreOptions } from './postgres.js'
import { openRedisParts, type RedisParts, type RedisPartsOptions } from './redis.js'
import { StorageUnavailableError, type RecordKind, type RecordStore, type Store } from './types.js'

/** Records of a `durable` kind go to the database, every other kind to Redis; "every kind" means both. */
function routeRecords(durable: RecordStore, ephemeral: RecordStore): RecordStore {
  const of = (kind: RecordKind<unknown>): RecordStore => (kind.durable ? durable : ephemeral)
  return {
    put: (kind, record, options) => of(kind).put(kind, record, options),
    get: (kind, key, now) => of(kind).get(kind, key, now),
    consume: (kind, key, now) => of(kind).consume(kind, key, now),
    update: (kind, key, revision, value, now) => of(kind).update(kind, key, revision, value, now),
    delete: (kind, key) => of(kind).delete(kind, key),
    async deleteBySubject(subject, kind) {
      if (kind) return of(kind).deleteBySubject(subject, kind)
      await Promise.all([durable.deleteBySubject(subject), ephemeral.deleteBySubject(subject)])
    },
    async deleteByClient(clientId, kind) {
      if (kind) return of(kind).deleteByClient(clientId, kind)
      await Promise.all([durable.deleteByClient(clientId), ephemeral.deleteByClient(clientId)])
    },
    listBySubject: (kind, subject) => of(kind).listBySubject(kind, subject),
  }
}

/** What the composite needs from the durable store besides `Store` (the SQL stores provide it). */
export interface DurableStore extends Store {
  /** Ids of the grants of one user for one client (of its refresh and opaque access tokens), each once. */
  listGrantIds(userId: string, clientId: string): Promise<string[]>
}

/** The two stores `composeStore` joins: a durable one and one for short-lived records. */
export interface CompositeStoreOptions {
  /** Clients, users, refresh tokens, consents, signing keys and the audit trail; e.g. `openPostgresStore`. */
  durable: DurableStore
  /** Short-lived records (codes, login sessions, interactions…), opaque access tokens, revoked access tokens and grant revocation marks; `openRedisParts`. */
  ephemeral: RedisParts
}

/**
 * One `Store` over a durable database and Redis, for several instances behind one issuer: what must
 * survive (clients, users, refresh token families, consents, keys) lives in the database, the short-lived
 * records and the revocation checks made on every token use live in Redis.
 *
 * Revoking a grant writes both: first the mark in Redis (access tokens carrying the grant are refused at
 * once), then the durable store deletes the family's refresh tokens and keeps its own record of the
 * revocation, in one transaction. Refresh tokens are checked against the Redis mark too, so a revocation
 * whose second step failed (the database was down; the caller got an error) still stops the family.
 *
 * @example const store = createCompositeStore({ durable: await openPostgresStore({ connectionString }), ephemeral: await openRedisParts({ url }) })
 * @see ./types.ts for the contract
 */
export function createCompositeStore({ durable, ephemeral }: CompositeStoreOptions): Store {
  const { revokedGrants } = ephemeral

  async function revokeGrant(grantId: string, until: number): Promise<boolean> {
    const marked = await revokedGrants.revoke(grantId, until)
    // Also when the mark already existed: a retry after a failed first attempt must still delete the family.
    await durable.grants.revoke(grantId, until)
    return marked
  }

  return composeStore({
    clients: {
      ...durable.clients,
      async delete(clientId) {
        await ephemeral.deleteClient(clientId)
        return durable.clients.delete(clientId)
      },
    },
    users: {
      ...durable.users,
      // Sessions first: if the database then fails, the user is at least logged out everywhere.
      async delete(userId) {
        await ephemeral.deleteUser(userId)
        return durable.users.delete(userId)
      },
    },
    // Short-lived and checked on every request, like the revocation marks: Redis, with a TTL at `exp`. A
    // revoked grant is not deleted from Redis token by token; the mark refuses its tokens instead.
    accessTokens: {
      save: (token) => ephemeral.accessTokens.save(token),
      async find(tokenHash, now) {
        const token = await ephemeral.accessTokens.find(tokenHash, now)
        if (!token) return undefined
        return token.grant_id !== null && (await revokedGrants.isRevoked(token.grant_id, now)) ? undefined : token
      },
      delete: (tokenHash) => ephemeral.accessTokens.delete(tokenHash),
    },
    refreshTokens: {
      save: (token) => durable.refreshTokens.save(token),
      async find(tokenHash, now) {
        const token = await durable.refreshTokens.find(tokenHash, now)
        return token && !(await revokedGrants.isRevoked(token.grant_id, now)) ? token : undefined
      },
      // RFC 9700 §4.14.2: the durable store picks the one winner; a grant revoked in Redis turns any
      // outcome into `unknown`, as the SQL stores do for a revoked grant. Redis is asked before anything
      // is written: while it is down the call fails and the client's token stays valid for a retry,
      // instead of being rotated into a successor the client never receives.
      async rotate(previousHash, next, now, keep) {
        const current = await durable.refreshTokens.find(previousHash, now)
        if (current && (await revokedGrants.isRevoked(current.grant_id, now))) return { status: 'unknown' }
        const result = await durable.refreshTokens.rotate(previousHash, next, now, keep)
        if (result.status === 'unknown') return result
        // A revocation that marked the grant in between; if Redis failed just now, the check above stands
        // (a revocation completed meanwhile deleted the new token with its family anyway).
        const revoked = await revokedGrants.isRevoked(result.previous.grant_id, now).catch((error: unknown) => {
          if (error instanceof StorageUnavailableError) return false
          throw error
        })
        return revoked ? { status: 'unknown' } : result
      },
    },
    grants: {
      async revoke(grantId, until) {
        await revokeGrant(grantId, until)
      },
      isRevoked: (grantId, now) => revokedGrants.isRevoked(grantId, now),
      // The grants of a user and client are those of their refresh tokens (durable), opaque access tokens
      // (Redis) and codes (records in Redis, passed in); one already revoked is not counted again.
      async revokeByUserAndClient(userId, clientId, until, fromCodes) {
        const [fromAccessTokens, fromTokens] = await Promise.all([
          ephemeral.listAccessTokenGrantIds(userId, clientId),
          durable.listGrantIds(userId, clientId),
        ])
        let count = 0
        for (const grantId of new Set([...fromCodes, ...fromAccessTokens, ...fromTokens])) if (await revokeGrant(grantId, until)) count++
        return count
      },
    },
    revokedTokens: ephemeral.revokedTokens,
    consents: durable.consents,
    keys: durable.keys,
    // The audit trail must survive, and is queried by time: PostgreSQL, purged with the durable records.
    audit: durable.audit,
    records: routeRecords(durable.records, ephemeral.records),
    async purgeExpired(now) {
      await Promise.all([durable.purgeExpired(now), ephemeral.purgeExpired(now)])
    },
    // Both must answer: a request may need either. The first failure names its backend.
    async ping() {
      const results = await Promise.allSettled([durable.ping(), ephemeral.ping()])
      const failed = results.find((result) => result.status === 'rejected')
      if (failed) throw failed.reason
    },
    async close() {
      const results = await Promise.allSettled([durable.close(), ephemeral.close()])
      const failed = results.find((result) => result.status === 'rejected')
      if (failed) throw failed.reason
    },
  })
}

/** Options of `openPostgresRedisStore`. */
export interface PostgresRedisStoreOptions {
  /** PostgreSQL connection string (`--database-url`, `DATABASE_URL`). */
  databaseUrl: string
  /** Redis URL (`--redis-url`, `REDIS_URL`). */
  redisUrl: string
  /** Further PostgreSQL pool settings. */
  pool?: PostgresStoreOptions['pool']
  /** Further Redis settings: key prefix, clock, ioredis options. */
  redis?: Omit<RedisPartsOptions, 'url' | 'client' | 'onConnectionError'>
  /** Told about broken connections to either server (each reconnects by itself), e.g. to log them. */
  onConnectionError?: (backend: 'postgres' | 'redis', error: Error) => void
}

/**
 * Opens PostgreSQL (migrating it) and Redis and combines them: the store of `tessera-oidc serve --database-url
 * … --redis-url …`. Rejects with `StorageUnavailableError` if either cannot be reached.
 *
 * @example const store = await openPostgresRedisStore({ databaseUrl: process.env.DATABASE_URL!, redisUrl: process.env.REDIS_URL! })
 */
export async function openPostgresRedisStore(options: PostgresRedisStoreOptions): Promise<Store> {
  const report = options.onConnectionError ?? (() => undefined)
  const durable = await openPostgresStore({
    connectionString: options.databaseUrl,
    ...(options.pool ? { pool: options.pool } : {}),
    onConnectionError: (error) => report('postgres', error),
  })
  try {
    const ephemeral = await openRedisParts({ ...options.redis, url: options.redisUrl, onConnectionError: (error) => report('redis', error) })
    return createCompositeStore({ durable, ephemeral })
  } catch (error) {
    await durable.close()
    throw error
  }
}
