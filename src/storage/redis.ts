/**
 * `tessera-oidc/storage/redis`: Redis for short-lived records, beside PostgreSQL.
 *
 * @module tessera-oidc/storage/redis
 */
import type { Redis, RedisOptions } from 'ioredis'
import { importOptional, OPTIONAL_MODULES } from '../crypto/optional-module.js'
import { redisAccessTokens } from './redis/access-tokens.js'
import { evaluate, globEscape, PURGE_INDEXES, PURGE_RECORDS, type RedisContext } from './redis/lua.js'
import { redisRecordStore } from './redis/records.js'
import { redisRevocationMarks, type RevokedGrantMarks } from './redis/revocation-marks.js'
import { translateRedisErrors } from './redis-errors.js'
import type { AccessTokenStore, RecordStore, RevokedTokenStore } from './types.js'
import { wrapMethods } from './wrap-methods.js'

export type { RevokedGrantMarks } from './redis/revocation-marks.js'

/**
 * Redis for the short-lived records (every `RecordStore` kind: codes, login sessions, interactions…),
 * opaque access tokens, revoked access token ids and grant revocation marks. Not a whole `Store`:
 * combine it with a durable store through `createCompositeStore` (./composite.ts).
 *
 * Layout: every record is a hash `{prefix}{kind}:{id}` with a `record` (JSON) and an `expires_at` field,
 * and a Redis TTL so that it disappears by itself. The `now` the caller passes decides validity exactly
 * as in the SQL stores (`expires_at > now`); the TTL only frees memory. Records and opaque access tokens
 * are also listed in sorted sets per user and per client (score `expires_at`), so that deleting a user or
 * client deletes them too (./redis/records.ts, ./redis/access-tokens.ts). Scripts touch keys they compute
 * from the prefix: use a standalone Redis (or a prefix with a hash tag, e.g. `{tessera}:`, on a cluster).
 */
export interface RedisParts {
  readonly records: RecordStore
  /** `find` does not consult grant revocation marks: the composite store checks `revokedGrants`. */
  readonly accessTokens: AccessTokenStore
  readonly revokedTokens: RevokedTokenStore
  readonly revokedGrants: RevokedGrantMarks
  /** Deletes the records and opaque access tokens of a deleted client. */
  deleteClient(clientId: string): Promise<void>
  /** Deletes the records (sessions, codes…) and opaque access tokens of a deleted user. */
  deleteUser(userId: string): Promise<void>
  /** Grant ids of the user's opaque access tokens for one client (until they expire), each once. */
  listAccessTokenGrantIds(userId: string, clientId: string): Promise<string[]>
  /** Deletes records with `expires_at <= now` now rather than when their TTL runs out. */
  purgeExpired(now: number): Promise<void>
  /** Resolves when Redis answers PING: for readiness checks. */
  ping(): Promise<void>
  /** Disconnects, unless the client was passed in (`RedisPartsOptions.client`). */
  close(): Promise<void>
}

/** Options of `openRedisParts`. */
export interface RedisPartsOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://` (the CLI reads `--redis-url` or `REDIS_URL`). Ignored with `client`. */
  url?: string
  /** An existing ioredis client, e.g. shared with rate limiting; `close()` leaves it open. */
  client?: Redis
  /** Prepended to every key, so that several deployments (or tests) can share one Redis. Default `tessera:`. */
  prefix?: string
  /**
   * Unix seconds, used only to turn `expires_at` into Redis TTLs. Default: the system clock. Tests that
   * pass a fixed `now` to the store pass the same clock here, or their records would expire at once.
   */
  clock?: () => number
  /** ioredis settings for a client opened from `url`, over Tessera's defaults (fail fast while Redis is down). */
  redis?: RedisOptions
  /**
   * Told about connection errors of a client opened from `url` (it keeps reconnecting meanwhile), e.g.
   * to log them; calls made meanwhile reject with `StorageUnavailableError` anyway.
   */
  onConnectionError?: (error: Error) => void
}

/**
 * Connects to Redis and checks that it answers. Connection failures, here and in every later call,
 * reject with `StorageUnavailableError`; after an outage the client reconnects by itself.
 *
 * @example const ephemeral = await openRedisParts({ url: process.env.REDIS_URL })
 * @see ./composite.ts to use it with PostgreSQL
 */
export async function openRedisParts(options: RedisPartsOptions): Promise<RedisParts> {
  const owned = options.client === undefined
  const redis = options.client ?? (await connect(options))
  const parts = wrapMethods(createRedisParts(redis, options, owned), translateRedisErrors)
  try {
    await parts.ping()
  } catch (error) {
    if (owned) redis.disconnect()
    throw error
  }
  return parts
}

async function connect(options: RedisPartsOptions): Promise<Redis> {
  if (options.url === undefined) throw new TypeError('openRedisParts: pass `url` (e.g. redis://127.0.0.1:6379) or `client`')
  const Redis = await importOptional('the Redis store', OPTIONAL_MODULES.ioredis)
  // One retry per command: while Redis is down a request fails within a reconnect attempt (503) instead
  // of waiting in the offline queue; the client keeps reconnecting in the background.
  const redis = new Redis(options.url, { maxRetriesPerRequest: 1, connectTimeout: 5000, commandTimeout: 5000, ...options.redis })
  // Without a listener ioredis prints every failed reconnection attempt to stderr.
  redis.on('error', options.onConnectionError ?? (() => undefined))
  return redis
}

/** Unix seconds, rounded down like every `now` in the stores. */
const systemClock = () => Math.floor(Date.now() / 1000)

function createRedisParts(redis: Redis, options: RedisPartsOptions, owned: boolean): RedisParts {
  const prefix = options.prefix ?? 'tessera:'
  const clock = options.clock ?? systemClock
  const context: RedisContext = {
    redis,
    prefix,
    clock,
    ttl: (expiresAt) => Math.max(1, Math.ceil(expiresAt - clock())),
    run: (script, keys, args) => evaluate(redis, script, keys, args),
  }
  const records = redisRecordStore(context)
  const { deleteByClient, deleteByUser, listGrantIds, ...accessTokens } = redisAccessTokens(context)
  const { revokedTokens, revokedGrants } = redisRevocationMarks(context)

  return {
    records,
    accessTokens,
    revokedTokens,
    revokedGrants,

    async deleteClient(clientId) {
      await Promise.all([records.deleteByClient(clientId), deleteByClient(clientId)])
    },

    async deleteUser(userId) {
      await Promise.all([records.deleteBySubject(userId), deleteByUser(userId)])
    },

    listAccessTokenGrantIds: listGrantIds,

    // SCAN walks the keyspace in small steps without blocking Redis; each step is purged by one script.
    async purgeExpired(now) {
      for (const [type, script] of [['hash', PURGE_RECORDS], ['zset', PURGE_INDEXES]] as const) {
        let cursor = '0'
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 500, 'TYPE', type)
          cursor = next
          if (keys.length > 0) await context.run(script, keys, [now])
        } while (cursor !== '0')
      }
    },

    async ping() {
      await redis.ping()
    },

    async close() {
      if (owned) await redis.quit()
    },
  }
}

/** Abuse counters shared by every instance (login throttling, client limits): `tessera-oidc/storage/redis`. */
export { openRedisCounterStore, type RedisCounterStore, type RedisCounterStoreOptions } from './redis-counters.js'
export { isRedisUnavailable } from './redis-errors.js'
