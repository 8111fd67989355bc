import type { RefreshLease, RelyingPartyStore, SessionRecord, TransactionRecord } from './store.js'

/**
 * A `RelyingPartyStore` in process memory: for tests and single-process development. State is lost on restart
 * and not shared between processes.
 *
 * @example const oauth = createOAuth({ store: createMemoryClientStore(), secret })
 */
export function createMemoryClientStore(): RelyingPartyStore {
  const transactions = new Map<string, TransactionRecord>()
  const sessions = new Map<string, SessionRecord>()
  const logoutTokens = new Map<string, number>()
  /** Refresh leases: the holder's token (object identity is the fencing value) and its end, epoch ms. */
  const leases = new Map<string, { holder: object; until: number }>()
  return {
    transactions: {
      async save(record) {
        transactions.set(record.key, { ...record })
      },
      // Map.get + delete run without an await in between, so they are one step for the event loop.
      async consume(key) {
        const record = transactions.get(key)
        transactions.delete(key)
        return record
      },
    },
    sessions: {
      async save(record) {
        sessions.set(record.key, { ...record, tokens_version: record.tokens_version ?? 0 })
      },
      async get(key, now) {
        const record = sessions.get(key)
        return record && record.expires_at > now ? { ...record } : undefined
      },
      async updateTokens(key, tokens, now) {
        const record = sessions.get(key)
        if (record) sessions.set(key, { ...record, tokens, tokens_version: (record.tokens_version ?? 0) + 1, updated_at: now })
      },
      // Read, compare and write without an await in between: one step for the event loop.
      async replaceTokens(key, tokens, version, now) {
        const record = sessions.get(key)
        if (!record || (record.tokens_version ?? 0) !== version) return false
        sessions.set(key, { ...record, tokens, tokens_version: version + 1, updated_at: now })
        return true
      },
      async refreshLease(key, ttlMs): Promise<RefreshLease | undefined> {
        const current = leases.get(key)
        if (current && current.until > Date.now()) return undefined
        const holder = {}
        leases.set(key, { holder, until: Date.now() + ttlMs })
        return {
          async release() {
            if (leases.get(key)?.holder === holder) leases.delete(key)
          },
        }
      },
      async touch(key, now) {
        const record = sessions.get(key)
        if (record) sessions.set(key, { ...record, updated_at: now })
      },
      async delete(key) {
        sessions.delete(key)
      },
      async endByProviderSession(issuer, match) {
        if (match.sid === undefined && match.subject === undefined) return 0
        let ended = 0
        for (const [key, record] of sessions) {
          if (record.issuer !== issuer) continue
          if (match.sid !== undefined && record.sid !== match.sid) continue
          if (match.subject !== undefined && record.subject !== match.subject) continue
          sessions.delete(key)
          ended++
        }
        return ended
      },
    },
    logoutTokens: {
      async remember(key, expiresAt) {
        if (logoutTokens.has(key)) return false
        logoutTokens.set(key, expiresAt)
        return true
      },
    },
    async purgeExpired(now) {
      for (const [key, record] of transactions) if (record.expires_at <= now) transactions.delete(key)
      for (const [key, record] of sessions) if (record.expires_at <= now) sessions.delete(key)
      for (const [key, expiresAt] of logoutTokens) if (expiresAt <= now) logoutTokens.delete(key)
      for (const [key, lease] of leases) if (lease.until <= now * 1000) leases.delete(key)
    },
    async close() {
      transactions.clear()
      sessions.clear()
      logoutTokens.clear()
      leases.clear()
    },
  }
}
