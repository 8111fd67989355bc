import { wrapMethods } from './wrap-methods.js'
import { StorageUnavailableError } from './types.js'

/**
 * How PostgreSQL connection failures become `StorageUnavailableError`, shared by the authorization
 * server's store (`./postgres.ts`) and the relying party's (`../client/postgres-store.ts`).
 */

// Node socket errors, and SQLSTATEs for "the server is there but cannot serve now": class 08 (connection
// exception), 57P01–57P03 (shutting down, crashed, starting up) and 53300 (too many connections).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300'])
// node-postgres reports a lost connection or a pool timeout without a code.
const UNAVAILABLE_MESSAGES = /connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|not queryable/i

/** Whether `error` means PostgreSQL could not be reached, as opposed to a query it refused. */
export function isPostgresUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  // Node 20 tries every address of a host name and reports all failures in one AggregateError.
  if (error instanceof AggregateError && error.errors.some(isPostgresUnavailable)) return true
  const code = 'code' in error && typeof error.code === 'string' ? error.code : ''
  return NETWORK_CODES.has(code) || code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_MESSAGES.test(error.message)
}

/** `error` as `StorageUnavailableError` when it means PostgreSQL could not be reached; otherwise as it is. */
export function toStorageError(error: unknown): unknown {
  if (!isPostgresUnavailable(error)) return error
  const detail = error instanceof Error ? error.message || ('code' in error ? String(error.code) : error.name) : String(error)
  return new StorageUnavailableError('postgres', `PostgreSQL is unavailable: ${detail}`, { cause: error })
}

/** Every method of `store` (and of its sub-stores), with connection failures rejected as `StorageUnavailableError`. */
export function translateErrors<T extends object>(store: T): T {
  return wrapMethods(store, async (call) => {
    try {
      return await call()
    } catch (error) {
      throw toStorageError(error)
    }
  })
}
