import { createHash } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import { translateRedisErrors } from './redis-errors.js'
import { wrapMethods } from './wrap-methods.js'
import {
  StorageConflictError,
  type AccessTokenRecord, type AccessTokenStore, type AuthorizationCodeRecord, type AuthorizationCodeStore, type InteractionRecord, type InteractionStore,
  type LoginSessionRecord, type LoginSessionStore, type RevokedTokenStore,
} from './types.js'

/**
 * Redis for the short-lived records: authorization codes, opaque access tokens, login sessions,
 * interactions, revoked access token ids and grant revocation marks. Not a whole `Store`: combine it with a durable store through
 * `createCompositeStore` (./composite.ts).
 *
 * Layout: every record is a hash `{prefix}{kind}:{id}` with a `record` (JSON) and an `expires_at` field,
 * and a Redis TTL so that it disappears by itself. The `now` the caller passes decides validity exactly
 * as in the SQL stores (`expires_at > now`); the TTL only frees memory. Codes, opaque access tokens and
 * sessions are also listed in sorted sets per user and per client (score `expires_at`), so that deleting
 * a user or client deletes them too. Scripts touch keys they compute from the prefix: use a standalone Redis (or a prefix
 * with a hash tag, e.g. `{tessera}:`, on a cluster).
 */
export interface RedisParts {
  readonly codes: AuthorizationCodeStore
  /** `find` does not consult grant revocation marks: the composite store checks `revokedGrants`. */
  readonly accessTokens: AccessTokenStore
  readonly sessions: LoginSessionStore
  readonly interactions: InteractionStore
  readonly revokedTokens: RevokedTokenStore
  readonly revokedGrants: RevokedGrantMarks
  /** Deletes the codes and opaque access tokens of a deleted client. */
  deleteClient(clientId: string): Promise<void>
  /** Deletes the codes, opaque access tokens and login sessions of a deleted user. */
  deleteUser(userId: string): Promise<void>
  /** Grant ids of the user's codes for one client (consumed ones included, until they expire), each once. */
  listCodeGrantIds(userId: string, clientId: string): Promise<string[]>
  /** Grant ids of the user's opaque access tokens for one client (until they expire), each once. */
  listAccessTokenGrantIds(userId: string, clientId: string): Promise<string[]>
  /** Deletes records with `expires_at <= now` now rather than when their TTL runs out. */
  purgeExpired(now: number): Promise<void>
  /** Resolves when Redis answers PING: for readiness checks. */
  ping(): Promise<void>
  /** Disconnects, unless the client was passed in (`RedisPartsOptions.client`). */
  close(): Promise<void>
}

/** Grants remembered as revoked until a time, so that access tokens carrying them are refused. */
export interface RevokedGrantMarks {
  /** Marks the grant revoked until `until`, never shortening an earlier mark; false when it already was revoked at least that long. */
  revoke(grantId: string, until: number): Promise<boolean>
  isRevoked(grantId: string, now: number): Promise<boolean>
}

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
  const redis = options.client ?? connect(options)
  const parts = wrapMethods(createRedisParts(redis, options, owned), translateRedisErrors)
  try {
    await parts.ping()
  } catch (error) {
    if (owned) redis.disconnect()
    throw error
  }
  return parts
}

function connect(options: RedisPartsOptions): Redis {
  if (options.url === undefined) throw new TypeError('openRedisParts: pass `url` (e.g. redis://127.0.0.1:6379) or `client`')
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
  const key = {
    code: (codeHash: string) => `${prefix}code:${codeHash}`,
    codesOfUser: (userId: string) => `${prefix}user-codes:${userId}`,
    codesOfClient: (clientId: string) => `${prefix}client-codes:${clientId}`,
    accessToken: (tokenHash: string) => `${prefix}access-token:${tokenHash}`,
    accessTokensOfUser: (userId: string) => `${prefix}user-access-tokens:${userId}`,
    accessTokensOfClient: (clientId: string) => `${prefix}client-access-tokens:${clientId}`,
    session: (idHash: string) => `${prefix}session:${idHash}`,
    sessionsOfUser: (userId: string) => `${prefix}user-sessions:${userId}`,
    interaction: (id: string) => `${prefix}interaction:${id}`,
    revokedToken: (jti: string) => `${prefix}revoked-token:${jti}`,
    revokedGrant: (grantId: string) => `${prefix}revoked-grant:${grantId}`,
  }
  // Whole seconds, at least 1: a record saved already expired by the clock still lives a moment, and is
  // refused by the `expires_at > now` checks like in every other store.
  const ttl = (expiresAt: number) => Math.max(1, Math.ceil(expiresAt - clock()))
  const run = (script: LuaScript, keys: string[], args: (string | number)[]) => evaluate(redis, script, keys, args)

  async function readRecord<T>(recordKey: string, now: number): Promise<T | undefined> {
    const [record, expiresAt] = await redis.hmget(recordKey, 'record', 'expires_at')
    return record != null && Number(expiresAt) > now ? (JSON.parse(record) as T) : undefined
  }

  async function extendMark(markKey: string, until: number): Promise<boolean> {
    return (await run(EXTEND_MARK, [markKey], [until, ttl(until)])) === 1
  }

  async function markActive(markKey: string, now: number): Promise<boolean> {
    const until = await redis.hget(markKey, 'expires_at')
    return until !== null && Number(until) > now
  }

  const codes: AuthorizationCodeStore = {
    async save(code) {
      const saved = await run(
        SAVE_INDEXED,
        [key.code(code.code_hash), key.codesOfUser(code.user_id), key.codesOfClient(code.client_id)],
        [JSON.stringify(code), code.expires_at, ttl(code.expires_at), code.code_hash, clock(), code.consumed_at ?? ''],
      )
      if (saved !== 1) throw new StorageConflictError('code exists')
    },

    // RFC 6749 §4.1.2 / §10.5: one script reads and marks the code, so of concurrent callers exactly one
    // sees it unconsumed. The consumed code stays until it expires, so a replay is still recognized.
    async consume(codeHash, now) {
      const reply = (await run(CONSUME_CODE, [key.code(codeHash)], [now])) as [string, string, string] | null
      if (reply === null) return { status: 'unknown' }
      const [status, record, consumedAt] = reply
      const code: AuthorizationCodeRecord = { ...(JSON.parse(record) as AuthorizationCodeRecord), consumed_at: Number(consumedAt) }
      return { status: status === 'consumed' ? 'consumed' : 'replayed', code }
    },
  }

  // The TTL ends the record at its `exp` (nothing to purge by hand); RFC 7009 revocation deletes the key,
  // which every instance sees at once.
  const accessTokens: AccessTokenStore = {
    async save(token) {
      const indexes = [key.accessTokensOfClient(token.client_id), ...(token.user_id !== null ? [key.accessTokensOfUser(token.user_id)] : [])]
      const saved = await run(
        SAVE_INDEXED,
        [key.accessToken(token.token_hash), ...indexes],
        [JSON.stringify(token), token.expires_at, ttl(token.expires_at), token.token_hash, clock(), ''],
      )
      if (saved !== 1) throw new StorageConflictError('access token exists')
    },
    find: (tokenHash, now) => readRecord<AccessTokenRecord>(key.accessToken(tokenHash), now),
    async delete(tokenHash) {
      await redis.del(key.accessToken(tokenHash))
    },
  }

  const sessions: LoginSessionStore = {
    async create(session) {
      const saved = await run(
        SAVE_INDEXED,
        [key.session(session.id_hash), key.sessionsOfUser(session.user_id)],
        [JSON.stringify(session), session.expires_at, ttl(session.expires_at), session.id_hash, clock(), ''],
      )
      if (saved !== 1) throw new StorageConflictError('session exists')
    },
    get: (idHash, now) => readRecord<LoginSessionRecord>(key.session(idHash), now),
    async delete(idHash) {
      await redis.del(key.session(idHash))
    },
    async deleteByUser(userId) {
      await run(DELETE_INDEXED, [key.sessionsOfUser(userId)], [key.session('')])
    },
  }

  const interactions: InteractionStore = {
    // An upsert: the server saves the interaction again once the user has logged in.
    async save(interaction) {
      await run(PUT_RECORD, [key.interaction(interaction.id)], [JSON.stringify(interaction), interaction.expires_at, ttl(interaction.expires_at)])
    },
    get: (id, now) => readRecord<InteractionRecord>(key.interaction(id), now),
    // Read and delete in one script: of concurrent form submissions only one gets the interaction.
    async consume(id, now) {
      const record = (await run(CONSUME_RECORD, [key.interaction(id)], [now])) as string | null
      return record === null ? undefined : (JSON.parse(record) as InteractionRecord)
    },
  }

  // RFC 7009 §2.2: revoking an already revoked token succeeds; the later expiry wins.
  const revokedTokens: RevokedTokenStore = {
    async add(jti, expiresAt) {
      await extendMark(key.revokedToken(jti), expiresAt)
    },
    has: (jti, now) => markActive(key.revokedToken(jti), now),
  }

  const revokedGrants: RevokedGrantMarks = {
    revoke: (grantId, until) => extendMark(key.revokedGrant(grantId), until),
    isRevoked: (grantId, now) => markActive(key.revokedGrant(grantId), now),
  }

  return {
    codes,
    accessTokens,
    sessions,
    interactions,
    revokedTokens,
    revokedGrants,

    async deleteClient(clientId) {
      await run(DELETE_INDEXED, [key.codesOfClient(clientId), key.accessTokensOfClient(clientId)], [key.code(''), key.accessToken('')])
    },

    async deleteUser(userId) {
      await run(
        DELETE_INDEXED,
        [key.codesOfUser(userId), key.accessTokensOfUser(userId), key.sessionsOfUser(userId)],
        [key.code(''), key.accessToken(''), key.session('')],
      )
    },

    async listCodeGrantIds(userId, clientId) {
      const records = (await run(LIST_INDEXED, [key.codesOfUser(userId)], [key.code('')])) as string[]
      const grantIds = records.map((record) => JSON.parse(record) as AuthorizationCodeRecord).filter((code) => code.client_id === clientId).map((code) => code.grant_id)
      return [...new Set(grantIds)]
    },

    async listAccessTokenGrantIds(userId, clientId) {
      const records = (await run(LIST_INDEXED, [key.accessTokensOfUser(userId)], [key.accessToken('')])) as string[]
      const grantIds = records
        .map((record) => JSON.parse(record) as AccessTokenRecord)
        .flatMap((token) => (token.client_id === clientId && token.grant_id !== null ? [token.grant_id] : []))
      return [...new Set(grantIds)]
    },

    // SCAN walks the keyspace in small steps without blocking Redis; each step is purged by one script.
    async purgeExpired(now) {
      for (const [type, script] of [['hash', PURGE_RECORDS], ['zset', PURGE_INDEXES]] as const) {
        let cursor = '0'
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 500, 'TYPE', type)
          cursor = next
          if (keys.length > 0) await run(script, keys, [now])
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

// Redis glob syntax: `*`, `?`, `[` and `\` in the prefix must match literally.
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

/** A Lua script run by EVALSHA, loaded with EVAL the first time (or after a Redis restart). */
interface LuaScript {
  source: string
  sha: string
}

function lua(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

async function evaluate(redis: Redis, script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return redis.eval(script.source, keys.length, ...keys, ...args)
  }
}

// KEYS: record, then the indexes listing it. ARGV: record JSON, expires_at, TTL, index member, clock
// (index members that expired by then are pruned), consumed_at or ''. Returns 0 if the record exists.
const SAVE_INDEXED = lua(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'expires_at', ARGV[2])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'consumed_at', ARGV[6]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[2], ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[5])
  if redis.call('TTL', KEYS[i]) < tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[i], ARGV[3]) end
end
return 1
`)

// KEYS: record. ARGV: record JSON, expires_at, TTL. Creates or replaces the record.
const PUT_RECORD = lua(`
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'expires_at', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`)

// KEYS: code. ARGV: now. Returns nil (unknown or expired) or {status, record JSON, consumed_at}.
const CONSUME_CODE = lua(`
local v = redis.call('HMGET', KEYS[1], 'record', 'expires_at', 'consumed_at')
if not v[1] or tonumber(v[2]) <= tonumber(ARGV[1]) then return false end
if v[3] then return {'replayed', v[1], v[3]} end
redis.call('HSET', KEYS[1], 'consumed_at', ARGV[1])
return {'consumed', v[1], ARGV[1]}
`)

// KEYS: record. ARGV: now. Deletes and returns the record JSON unless missing or expired.
const CONSUME_RECORD = lua(`
local v = redis.call('HMGET', KEYS[1], 'record', 'expires_at')
if not v[1] or tonumber(v[2]) <= tonumber(ARGV[1]) then return false end
redis.call('DEL', KEYS[1])
return v[1]
`)

// KEYS: mark. ARGV: until, TTL. Moves the mark's end later, never earlier; 1 if it moved.
const EXTEND_MARK = lua(`
local current = redis.call('HGET', KEYS[1], 'expires_at')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'expires_at', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
`)

// KEYS: indexes. ARGV[i]: the key prefix of the records index i lists. Deletes the records and indexes.
const DELETE_INDEXED = lua(`
for i = 1, #KEYS do
  for _, member in ipairs(redis.call('ZRANGE', KEYS[i], 0, -1)) do redis.call('DEL', ARGV[i] .. member) end
  redis.call('DEL', KEYS[i])
end
return 1
`)

// KEYS: one index. ARGV: the key prefix of its records. Returns the JSON of the records still present.
const LIST_INDEXED = lua(`
local records = {}
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local record = redis.call('HGET', ARGV[1] .. member, 'record')
  if record then table.insert(records, record) end
end
return records
`)

// KEYS: record hashes. ARGV: now. Deletes those with expires_at <= now.
const PURGE_RECORDS = lua(`
for _, k in ipairs(KEYS) do
  local expiresAt = redis.call('HGET', k, 'expires_at')
  if expiresAt and tonumber(expiresAt) <= tonumber(ARGV[1]) then redis.call('DEL', k) end
end
return 1
`)

// KEYS: indexes. ARGV: now. Drops members that expired by now.
const PURGE_INDEXES = lua(`
for _, k in ipairs(KEYS) do redis.call('ZREMRANGEBYSCORE', k, '-inf', ARGV[1]) end
return 1
`)


/** Abuse counters shared by every instance (login throttling, client limits): `tessera/storage/redis`. */
export { openRedisCounterStore, type RedisCounterStore, type RedisCounterStoreOptions } from './redis-counters.js'
export { isRedisUnavailable } from './redis-errors.js'
