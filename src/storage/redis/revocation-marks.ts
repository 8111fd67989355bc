import type { RevokedTokenStore } from '../types.js'
import { lua, type RedisContext } from './lua.js'

/** Grants remembered as revoked until a time, so that access tokens carrying them are refused. */
export interface RevokedGrantMarks {
  /** Marks the grant revoked until `until`, never shortening an earlier mark; false when it was already marked. */
  revoke(grantId: string, until: number): Promise<boolean>
  /** Whether the grant is marked revoked at `now`. */
  isRevoked(grantId: string, now: number): Promise<boolean>
}

/** Revoked access token ids and revoked grants: hashes `{prefix}revoked-token:{jti}` and `{prefix}revoked-grant:{id}` with an `expires_at` and a TTL. */
export function redisRevocationMarks({ prefix, redis, run, ttl }: RedisContext): { revokedTokens: RevokedTokenStore; revokedGrants: RevokedGrantMarks } {
  const tokenMark = (jti: string) => `${prefix}revoked-token:${jti}`
  const grantMark = (grantId: string) => `${prefix}revoked-grant:${grantId}`

  async function extendMark(markKey: string, until: number): Promise<boolean> {
    return (await run(EXTEND_MARK, [markKey], [until, ttl(until)])) === 1
  }

  async function markActive(markKey: string, now: number): Promise<boolean> {
    const until = await redis.hget(markKey, 'expires_at')
    return until !== null && Number(until) > now
  }

  return {
    // RFC 7009 §2.2: revoking an already revoked token succeeds; the later expiry wins.
    revokedTokens: {
      async add(jti, expiresAt) {
        await extendMark(tokenMark(jti), expiresAt)
      },
      has: (jti, now) => markActive(tokenMark(jti), now),
    },
    revokedGrants: {
      revoke: (grantId, until) => extendMark(grantMark(grantId), until),
      isRevoked: (grantId, now) => markActive(grantMark(grantId), now),
    },
  }
}

// KEYS: mark. ARGV: until, TTL. Moves the mark's end later, never earlier; 1 if there was no mark.
const EXTEND_MARK = lua(`
local current = redis.call('HGET', KEYS[1], 'expires_at')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'expires_at', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if current then return 0 end
return 1
`)
