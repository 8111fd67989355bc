import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

/** A Lua script run by EVALSHA, loaded with EVAL the first time (or after a Redis restart). */
export interface LuaScript {
  source: string
  sha: string
}

export function lua(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/** Runs `script`; it touches only the keys it is given or computes from the prefix (see ../redis.ts on clusters). */
export async function evaluate(redis: Redis, script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return redis.eval(script.source, keys.length, ...keys, ...args)
  }
}

/** What every Redis part shares: the client, the key prefix and the clock that turns `expires_at` into TTLs. */
export interface RedisContext {
  readonly redis: Redis
  readonly prefix: string
  /** Whole seconds until `expiresAt`, at least 1: a record saved already expired still lives a moment, and is refused by the `expires_at > now` checks like in every other store. */
  ttl(expiresAt: number): number
  /** Unix seconds now, by the configured clock. */
  clock(): number
  run(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown>
}

/**
 * Lists the record `KEYS[1]` in the indexes `KEYS[2…]` (sorted sets scored by expiry), pruning members that
 * expired by the clock and keeping each index at least as long as the record. A fragment of every script
 * whose ARGV starts: record JSON, expires_at, TTL, index member, clock.
 */
export const INDEX_RECORD = `for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[2], ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[5])
  if redis.call('TTL', KEYS[i]) < tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[i], ARGV[3]) end
end`

// KEYS: record, then the indexes listing it. ARGV: record JSON, expires_at, TTL, index member, clock
// (index members that expired by then are pruned). Returns 0 if the record exists.
export const SAVE_INDEXED = lua(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'expires_at', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
${INDEX_RECORD}
return 1
`)

// KEYS: indexes. ARGV[i]: the key prefix of the records index i lists. Deletes the records and indexes.
export const DELETE_INDEXED = lua(`
for i = 1, #KEYS do
  for _, member in ipairs(redis.call('ZRANGE', KEYS[i], 0, -1)) do redis.call('DEL', ARGV[i] .. member) end
  redis.call('DEL', KEYS[i])
end
return 1
`)

// KEYS: one index. ARGV: the key prefix of its records. Returns the JSON of the records still present.
export const LIST_INDEXED = lua(`
local records = {}
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local record = redis.call('HGET', ARGV[1] .. member, 'record')
  if record then table.insert(records, record) end
end
return records
`)

// KEYS: record hashes. ARGV: now. Deletes those with expires_at <= now.
export const PURGE_RECORDS = lua(`
for _, k in ipairs(KEYS) do
  local expiresAt = redis.call('HGET', k, 'expires_at')
  if expiresAt and tonumber(expiresAt) <= tonumber(ARGV[1]) then redis.call('DEL', k) end
end
return 1
`)

// KEYS: indexes. ARGV: now. Drops members that expired by now.
export const PURGE_INDEXES = lua(`
for _, k in ipairs(KEYS) do redis.call('ZREMRANGEBYSCORE', k, '-inf', ARGV[1]) end
return 1
`)

// Redis glob syntax: `*`, `?`, `[` and `\` in the prefix must match literally.
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}
