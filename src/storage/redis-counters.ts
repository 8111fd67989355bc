import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import { importOptional, OPTIONAL_MODULES } from '../crypto/optional-module.js'
import { StorageUnavailableError } from './types.js'

/** A counting window as the abuse limits see it (`CounterStore` in src/server/abuse/counter.ts). */
export interface CounterWindow {
  count: number
  /** Unix seconds when the window ends. */
  resetAt: number
}

/**
 * The abuse counters in Redis, so that login throttling and client limits hold across instances.
 * Structurally a `CounterStore` (src/server/abuse/counter.ts); storage does not import the server.
 */
export interface RedisCounterStore {
  /** Adds one to `key` and returns the count within the window that started at its first hit. */
  increment(key: string, windowSeconds: number, now: number): Promise<CounterWindow>
  /** The current window of `key`, or undefined when it has none or it ended. */
  get(key: string, now: number): Promise<CounterWindow | undefined>
  /** Forgets `key`'s window. */
  reset(key: string): Promise<void>
  /** Disconnects, unless the client was passed in. */
  close(): Promise<void>
}

export interface RedisCounterStoreOptions {
  /** `redis://…`; ignored with `client`. */
  url?: string
  client?: Redis
  /** Default `tessera:abuse:`. */
  prefix?: string
}

// One round trip, atomic: the window starts at the first hit and is never extended by later ones (fixed
// window, as the memory store). A key left without a TTL (should not happen) is given one.
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`

function unavailable(error: unknown): never {
  throw new StorageUnavailableError('redis', 'Redis is unavailable', { cause: error })
}

/**
 * Opens the Redis counter store. Keys are hashed: no username or address is stored in clear, and no key
 * grows with its input. Redis errors reject with `StorageUnavailableError` (the server answers 503).
 *
 * @example
 * ```ts
 * const counters = openRedisCounterStore({ url: process.env.REDIS_URL })
 * await createAuthorizationServer({ issuer, store, secret, counters })
 * ```
 */
export function openRedisCounterStore(options: RedisCounterStoreOptions): RedisCounterStore {
  const owned = options.client === undefined
  if (owned && options.url === undefined) throw new TypeError('openRedisCounterStore: pass `url` or `client`')
  // Synchronous, so ioredis (an optional peer) is loaded behind a promise every call awaits; a missing
  // one rejects each call with MissingDependencyError, outside the `unavailable` translation below.
  const connection = options.client ? Promise.resolve(options.client) : connect(options.url ?? '')
  connection.catch(() => undefined)
  const prefix = options.prefix ?? 'tessera:abuse:'
  const keyOf = (key: string): string => prefix + createHash('sha256').update(key).digest('base64url')
  return {
    async increment(key, windowSeconds, now) {
      const redis = await connection
      const result = (await redis.eval(INCREMENT, 1, keyOf(key), String(windowSeconds)).catch(unavailable)) as [number, number]
      return { count: Number(result[0]), resetAt: now + Number(result[1]) }
    },
    async get(key, now) {
      const redis = await connection
      const name = keyOf(key)
      const replies = await redis.multi().get(name).ttl(name).exec().catch(unavailable)
      const [count, ttl] = (replies ?? []).map(([error, value]) => (error ? unavailable(error) : value))
      if (count === null || count === undefined || Number(ttl) <= 0) return undefined
      return { count: Number(count), resetAt: now + Number(ttl) }
    },
    async reset(key) {
      const redis = await connection
      await redis.del(keyOf(key)).catch(unavailable)
    },
    async close() {
      if (!owned) return
      const redis = await connection.catch(() => undefined)
      if (redis) await redis.quit().catch(() => redis.disconnect())
    },
  }
}

async function connect(url: string): Promise<Redis> {
  const Redis = await importOptional('the Redis counter store', OPTIONAL_MODULES.ioredis)
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 5000, commandTimeout: 5000 })
  redis.on('error', () => undefined)
  return redis
}
