import type { AccessTokenRecord, AuditRecord, ClientRecord, ConsentRecord, RefreshTokenRecord, SigningKeyRecord, UserRecord } from '../types.js'

/** A record of the keyed-record facility as the memory store holds it (the key is the Map's). */
export interface MemoryRecord {
  value: unknown
  expiresAt: number
  subject: string | null
  clientId: string | null
  consumedAt: number | null
  revision: number
}

/**
 * Everything one memory store holds, shared by its per-kind modules: deleting a client or user reaches
 * across kinds, and one process runs one method at a time, so plain Maps are the whole design.
 */
export interface MemoryState {
  readonly clients: Map<string, ClientRecord>
  readonly users: Map<string, UserRecord>
  readonly userIdsByUsername: Map<string, string>
  readonly refreshTokens: Map<string, RefreshTokenRecord>
  readonly accessTokens: Map<string, AccessTokenRecord>
  /** Grant id → revoked until. */
  readonly revokedGrants: Map<string, number>
  /** Access token `jti` → revoked until. */
  readonly revokedTokens: Map<string, number>
  readonly consents: Map<string, ConsentRecord>
  readonly keys: Map<string, SigningKeyRecord>
  readonly audit: Map<string, AuditRecord>
  /** Kind name → key → record. */
  readonly records: Map<string, Map<string, MemoryRecord>>
  keysVersion: number
}

export function createMemoryState(): MemoryState {
  return {
    clients: new Map(),
    users: new Map(),
    userIdsByUsername: new Map(),
    refreshTokens: new Map(),
    accessTokens: new Map(),
    revokedGrants: new Map(),
    revokedTokens: new Map(),
    consents: new Map(),
    keys: new Map(),
    audit: new Map(),
    records: new Map(),
    keysVersion: 0,
  }
}

// Records are JSON-shaped (primitives, arrays, plain objects): copied by hand, several times cheaper
// than structuredClone, and still no caller shares an array or object with the store.
export function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key])
  return out as T
}

export function deleteWhere<T>(map: Map<string, T>, matches: (value: T) => boolean): number {
  let count = 0
  for (const [key, value] of map) if (matches(value) && map.delete(key)) count++
  return count
}

export function grantRevoked(state: MemoryState, grantId: string, now: number): boolean {
  return (state.revokedGrants.get(grantId) ?? -Infinity) > now
}

// A second revocation never shortens the first.
export function revokeGrant(state: MemoryState, grantId: string, until: number): void {
  state.revokedGrants.set(grantId, Math.max(until, state.revokedGrants.get(grantId) ?? -Infinity))
  deleteWhere(state.refreshTokens, (token) => token.grant_id === grantId)
  deleteWhere(state.accessTokens, (token) => token.grant_id === grantId)
}

/** Plain code-unit order, like SQLite's default BINARY collation for ASCII ids. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
