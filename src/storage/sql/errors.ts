import { StorageConflictError } from '../types.js'

/**
 * Whether a driver error is a unique-key violation: better-sqlite3 reports `SQLITE_CONSTRAINT_PRIMARYKEY`
 * or `SQLITE_CONSTRAINT_UNIQUE`, node-postgres SQLSTATE `23505` (unique_violation).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false
  const { code } = error
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505'
}

/** Runs an insert, turning a unique-key violation into the `StorageConflictError` of the store contract. */
export async function insertUnique<T>(insert: () => Promise<T>, conflict: string): Promise<T> {
  try {
    return await insert()
  } catch (error) {
    if (isUniqueViolation(error)) throw new StorageConflictError(conflict)
    throw error
  }
}
