import { StorageUnavailableError } from './types.js'

/**
 * How Redis connection failures become `StorageUnavailableError`, shared by the authorization server's
 * Redis parts (`./redis.ts`) and the relying party's store (`../client/redis-store.ts`).
 */

// ioredis errors: AbortError and MaxRetriesPerRequestError when the connection is lost or cannot be made,
// "Command timed out" under `commandTimeout`; Redis replies that mean "not now" (loading its dataset,
// busy script, replica without master, read-only replica, cluster down).
const UNAVAILABLE_NAMES = new Set(['AbortError', 'MaxRetriesPerRequestError', 'InterruptError'])
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/
const UNAVAILABLE_MESSAGES = /connection is closed|stream isn't writeable|command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND/i

/** Whether `error` means Redis could not be reached, as opposed to a command it refused. */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  if (error.name === 'ReplyError') return UNAVAILABLE_REPLIES.test(error.message)
  return UNAVAILABLE_NAMES.has(error.name) || UNAVAILABLE_MESSAGES.test(error.message)
}

/** Runs `call`, rejecting a connection failure as `StorageUnavailableError` (for `wrapMethods`). */
export async function translateRedisErrors(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call()
  } catch (error) {
    if (!isRedisUnavailable(error)) throw error
    throw new StorageUnavailableError('redis', `Redis is unavailable: ${(error as Error).message}`, { cause: error })
  }
}
