/**
 * `tessera-oidc/client/redis`: the relying party's Redis store.
 *
 * @module tessera-oidc/client/redis
 */
import type { Redis, RedisOptions } from 'ioredis'
import { importOptional, OPTIONAL_MODULES } from '../crypto/optional-module.js'
import { translateRedisErrors } from '../storage/redis-errors.js'
import { wrapMethods } from '../storage/wrap-methods.js'
import { randomToken, sha256 } from '../crypto/random.js'
import type { RefreshLease, RelyingPartyStore, SessionRecord, TransactionRecord } from './store.js'

interface RedisClientStoreCommonOptions {
  /** Prepended to every key, so that several apps (or tests) can share one Redis. Default `tessera:rp:`. */
  prefix?: string
  /**
   * Unix seconds, used only to turn `expires_at` into Redis TTLs. Default: the system clock. An app that
   * passes `now` to `createOAuth` passes the same function here, or its records would expire too early
   * or too late.
   */
  clock?: () => number
}

/** Either a URL, for a connection the store opens and `close()` quits, or an ioredis client the app keeps. */
export type RedisClientStoreOptions = RedisClientStoreCommonOptions &
  (
    | {
        /** `redis://[:password@]host:port[/db]` or `rediss://`. */
        url: string
        /** ioredis settings for the connection opened from `url`, over the defaults (fail fast while Redis is down). */
        redisOptions?: RedisOptions
        redis?: never
      }
    | {
        /** An existing ioredis client, e.g. shared with other parts of the app; `close()` leaves it open. */
        redis: Redis
        url?: never
        redisOptions?: never
      }
  )

/** Unix seconds, rounded down like every `now` of the relying party. */
const systemClock = (): number => Math.floor(Date.now() / 1000)

// KEYS: the session. ARGV: updated_at, then the new sealed tokens (absent for `touch`). Read, change and
// write in one script, so that a concurrent `touch` cannot write back tokens that `updateTokens` just
// replaced, and a session deleted meanwhile is not recreated (GET finds nothing). KEEPTTL (Redis ≥ 6.0)
// keeps the expiry set at save.
const UPDATE_SESSION = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local record = cjson.decode(raw)
record.updated_at = tonumber(ARGV[1])
if ARGV[2] then
  record.tokens = ARGV[2]
  record.tokens_version = (record.tokens_version or 0) + 1
end
redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
return 1
`

// KEYS: the session. ARGV: updated_at, the version read, the new sealed tokens. The compare-and-set of
// `replaceTokens`: one script, so no other write comes between the comparison and the SET.
const REPLACE_TOKENS = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local record = cjson.decode(raw)
if (record.tokens_version or 0) ~= tonumber(ARGV[2]) then return 0 end
record.updated_at = tonumber(ARGV[1])
record.tokens = ARGV[3]
record.tokens_version = tonumber(ARGV[2]) + 1
redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
return 1
`

// KEYS: the lease. ARGV: the holder's fencing value. Deletes the lease only while it is still this
// holder's: after it expired and another instance took it, a late release leaves the new one alone.
const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

// KEYS: the index set. ARGV: issuer, sid or '', subject or '', the session key prefix. Reads each
// indexed session and deletes those that match, in one script, so a session saved meanwhile is either
// seen whole or not at all; keys whose session is gone are dropped from the index on the way.
const END_BY_PROVIDER_SESSION = `
local ended = 0
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local raw = redis.call('GET', ARGV[4] .. key)
  if not raw then
    redis.call('SREM', KEYS[1], key)
  else
    local record = cjson.decode(raw)
    if record.issuer == ARGV[1] and (ARGV[2] == '' or record.sid == ARGV[2]) and (ARGV[3] == '' or record.subject == ARGV[3]) then
      redis.call('DEL', ARGV[4] .. key)
      redis.call('SREM', KEYS[1], key)
      ended = ended + 1
    end
  end
end
return ended
`

/**
 * A `RelyingPartyStore` on Redis, for an app running as several instances: a login started on one instance
 * completes on another, and sessions are shared. Each record is JSON under `{prefix}tx:{key}` or
 * `{prefix}session:{key}` with a Redis TTL of `expires_at - now`, so expired records disappear by
 * themselves and `purgeExpired` has nothing to do. A transaction is consumed with GETDEL (Redis ≥ 6.2):
 * of two instances receiving the same callback exactly one gets it. Validity is still decided by the
 * record's own `expires_at`, as in the SQL stores; the TTL only bounds how long it is kept.
 *
 * @example const store = await openRedisClientStore({ url: process.env.REDIS_URL! })
 * @example const store = await openRedisClientStore({ redis: existingClient, prefix: 'myapp:rp:' })
 * @see ./store.ts for the contract
 */
export async function openRedisClientStore(options: RedisClientStoreOptions): Promise<RelyingPartyStore> {
  const owned = options.redis === undefined
  const redis = options.redis ?? (await connect(options.url, options.redisOptions))
  try {
    // Fails now rather than at the first login when Redis is unreachable or the URL is wrong.
    await translateRedisErrors(() => redis.ping())
  } catch (error) {
    if (owned) redis.disconnect()
    throw error
  }
  // As the authorization server's store: while Redis cannot be reached, calls reject with `StorageUnavailableError`.
  return wrapMethods(createRedisClientStore(redis, options, owned), translateRedisErrors)
}

async function connect(url: string, options: RedisOptions | undefined): Promise<Redis> {
  const Redis = await importOptional('the Redis client store', OPTIONAL_MODULES.ioredis)
  // One retry per command: while Redis is down a login fails within a reconnect attempt instead of
  // waiting in the offline queue; the client keeps reconnecting in the background.
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 5000, commandTimeout: 5000, ...options })
  // An EventEmitter 'error' without a listener crashes the process; failed calls reject anyway.
  redis.on('error', () => undefined)
  return redis
}

function createRedisClientStore(redis: Redis, options: RedisClientStoreCommonOptions, owned: boolean): RelyingPartyStore {
  const prefix = options.prefix ?? 'tessera:rp:'
  const clock = options.clock ?? systemClock
  const txKey = (key: string): string => `${prefix}tx:${key}`
  const sessionKey = (key: string): string => `${prefix}session:${key}`
  const leaseKey = (key: string): string => `${prefix}lease:${key}`
  // Sessions indexed by provider session and by user (Back-Channel Logout §2.7): sets of session keys,
  // named by a hash of issuer and value so any issuer or sid is a safe key.
  const sidIndex = (issuer: string, sid: string): string => `${prefix}sid:${sha256(`${issuer} ${sid}`)}`
  const subjectIndex = (issuer: string, subject: string): string => `${prefix}sub:${sha256(`${issuer} ${subject}`)}`
  // Whole seconds, at least 1 (Redis refuses EX 0): a record saved already expired lives a moment, and
  // is told apart by its `expires_at` as in every other store.
  const ttl = (expiresAt: number): number => Math.max(1, Math.ceil(expiresAt - clock()))

  return {
    transactions: {
      async save(record) {
        const { key, provider, sealed, created_at, expires_at } = record
        const value: TransactionRecord = { key, provider, sealed, created_at, expires_at }
        await redis.set(txKey(key), JSON.stringify(value), 'EX', ttl(expires_at))
      },
      // GETDEL is one command: of concurrent callers, on any instance, exactly one gets the value
      // (RFC 6749 §10.12, state is single use). Expired or not, as the contract says: the caller tells
      // expired from unknown by `expires_at`.
      async consume(key) {
        const raw = await redis.getdel(txKey(key))
        return raw === null ? undefined : (JSON.parse(raw) as TransactionRecord)
      },
    },
    sessions: {
      async save(record) {
        const { key, provider, issuer, subject, user, tokens, created_at, updated_at, expires_at } = record
        const value: SessionRecord = { key, provider, issuer, subject, ...(record.sid ? { sid: record.sid } : {}), user, tokens, tokens_version: record.tokens_version ?? 0, created_at, updated_at, expires_at }
        const indexes = [subjectIndex(issuer, subject), ...(record.sid ? [sidIndex(issuer, record.sid)] : [])]
        const write = redis.multi().set(sessionKey(key), JSON.stringify(value), 'EX', ttl(expires_at))
        // Every session lives sessionMaxAge from its start, so the newest one's expiry is the index's.
        for (const index of indexes) write.sadd(index, key).expire(index, ttl(expires_at))
        await write.exec()
      },
      async get(key, now) {
        const raw = await redis.get(sessionKey(key))
        if (raw === null) return undefined
        const record = JSON.parse(raw) as SessionRecord
        // Sessions saved before `tokens_version` existed carry none: version 0.
        return record.expires_at > now ? { ...record, tokens_version: record.tokens_version ?? 0 } : undefined
      },
      async updateTokens(key, tokens, now) {
        await redis.eval(UPDATE_SESSION, 1, sessionKey(key), now, tokens)
      },
      async replaceTokens(key, tokens, version, now) {
        return Number(await redis.eval(REPLACE_TOKENS, 1, sessionKey(key), now, version, tokens)) === 1
      },
      // SET NX PX: one command, so of concurrent callers on any instance one sets the key; Redis drops it
      // after `ttlMs` by itself, which frees the session when its holder died. The random value is the
      // holder's fencing token for the release.
      async refreshLease(key, ttlMs): Promise<RefreshLease | undefined> {
        const holder = randomToken(16)
        if ((await redis.set(leaseKey(key), holder, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) !== 'OK') return undefined
        return {
          release: async () => {
            await translateRedisErrors(() => redis.eval(RELEASE_LEASE, 1, leaseKey(key), holder))
          },
        }
      },
      async touch(key, now) {
        await redis.eval(UPDATE_SESSION, 1, sessionKey(key), now)
      },
      async delete(key) {
        await redis.del(sessionKey(key))
      },
      async endByProviderSession(issuer, match) {
        const { sid, subject } = match
        if (sid === undefined && subject === undefined) return 0
        const index = sid !== undefined ? sidIndex(issuer, sid) : subjectIndex(issuer, subject as string)
        return Number(await redis.eval(END_BY_PROVIDER_SESSION, 1, index, issuer, sid ?? '', subject ?? '', sessionKey('')))
      },
    },
    logoutTokens: {
      async remember(key, expiresAt) {
        return (await redis.set(`${prefix}logout:${key}`, '1', 'EX', ttl(expiresAt), 'NX')) === 'OK'
      },
    },
    // Every record has a TTL from its `expires_at`: Redis removes expired ones by itself.
    async purgeExpired() {},
    async close() {
      if (owned) await redis.quit()
    },
  }
}
