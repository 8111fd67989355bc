/**
 * `tessera-oidc/storage/memory`: an in-process store for tests and single-process demos.
 *
 * @module tessera-oidc/storage/memory
 */
import { composeStore } from './compose-store.js'
import { memoryAccessTokenStore } from './memory/access-tokens.js'
import { memoryAuditStore } from './memory/audit.js'
import { memoryClientStore } from './memory/clients.js'
import { memoryConsentStore } from './memory/consents.js'
import { memoryGrantStore } from './memory/grants.js'
import { memorySigningKeyStore } from './memory/keys.js'
import { deleteRecordsWhere, memoryRecordStore } from './memory/records.js'
import { memoryRefreshTokenStore } from './memory/refresh-tokens.js'
import { memoryRevokedTokenStore } from './memory/revoked-tokens.js'
import { createMemoryState, deleteWhere } from './memory/state.js'
import { memoryUserStore } from './memory/users.js'
import type { Store } from './types.js'

/** Options of `createMemoryStore`. */
export interface MemoryStoreOptions {
  /** The newest this many audit records are kept; default 10,000. */
  maxAuditRecords?: number
}

const DEFAULT_MAX_AUDIT_RECORDS = 10_000

/**
 * A store in process memory, for tests, examples and single-process development; everything is lost on
 * exit. Atomicity comes from JavaScript running one function at a time: no method awaits between
 * reading and writing a Map, so every check-and-set (consume, rotate) completes before another caller
 * runs. Records are cloned on the way in and out, so callers never hold a reference into the store.
 *
 * Audit records are kept for their retention like in every store, but at most `maxAuditRecords` of them
 * (the newest): a process that issues tokens for days would otherwise grow without bound, and nothing
 * of a memory store outlives the process anyway. Each event's log line is written regardless.
 *
 * @example const store = createMemoryStore()
 * @see ./types.ts for the contract
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const state = createMemoryState()
  return composeStore({
    clients: memoryClientStore(state),
    users: memoryUserStore(state),
    refreshTokens: memoryRefreshTokenStore(state),
    accessTokens: memoryAccessTokenStore(state),
    grants: memoryGrantStore(state),
    revokedTokens: memoryRevokedTokenStore(state),
    consents: memoryConsentStore(state),
    keys: memorySigningKeyStore(state),
    audit: memoryAuditStore(state, options.maxAuditRecords ?? DEFAULT_MAX_AUDIT_RECORDS),
    records: memoryRecordStore(state),

    // Consumed codes and rotated refresh tokens stay until they expire, so a replay is still detected
    // (RFC 6749 §4.1.2, RFC 9700 §4.14.2); signing keys are not purged, `list` filters them.
    async purgeExpired(now) {
      const expired = (record: { expires_at: number }) => record.expires_at <= now
      deleteWhere(state.audit, expired)
      deleteRecordsWhere(state, undefined, (record) => record.expiresAt <= now)
      deleteWhere(state.refreshTokens, expired)
      deleteWhere(state.accessTokens, expired)
      deleteWhere(state.revokedGrants, (until) => until <= now)
      deleteWhere(state.revokedTokens, (expiresAt) => expiresAt <= now)
    },

    async ping() {},

    async close() {},
  })
}
