import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RelyingPartyStore, SessionRecord, TransactionRecord } from '../../src/client/store.js'

/**
 * The contract of `src/client/store.ts`, run against every `RelyingPartyStore` (memory, SQLite, PostgreSQL,
 * Redis). `open` must return a fresh, empty store each time. Times are relative to the real clock, so
 * that a store whose TTLs follow the system clock (Redis) keeps the records of a test for its duration.
 */

/** Unix seconds when the file was loaded: the `now` of every case. */
export const NOW = Math.floor(Date.now() / 1000)
/** 2100-01-01: beyond 2^31 seconds, where a 32-bit column would overflow (2038). */
const FAR_FUTURE = 4_102_444_800

export function transaction(key: string, overrides: Partial<TransactionRecord> = {}): TransactionRecord {
  return { key, provider: 'p', sealed: 'v1.x', created_at: NOW, expires_at: NOW + 600, ...overrides }
}

export function session(key: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    key, provider: 'p', issuer: 'https://op.example', subject: 's', user: '{"sub":"s","name":"Zoë \\"Z\\" / ✓"}', tokens: 'v1.t', tokens_version: 0,
    created_at: NOW, updated_at: NOW, expires_at: NOW + 3600, ...overrides,
  }
}

const sleepUntil = (unixSeconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, unixSeconds * 1000 - Date.now())))

export function clientStoreContract(name: string, open: () => Promise<RelyingPartyStore>): void {
  describe(`RelyingPartyStore contract: ${name}`, () => {
    let store: RelyingPartyStore
    beforeEach(async () => {
      store = await open()
    })
    afterEach(() => store.close())

    it('consumes a transaction exactly once, even with many concurrent consumers', async () => {
      await store.transactions.save(transaction('t1'))
      const results = await Promise.all(Array.from({ length: 50 }, () => store.transactions.consume('t1')))
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(results.find(Boolean)).toEqual(transaction('t1'))
      expect(await store.transactions.consume('t1')).toBeUndefined()
      expect(await store.transactions.consume('never')).toBeUndefined()
    })

    it('returns an expired transaction from consume (the caller tells expired from unknown)', async () => {
      await store.transactions.save(transaction('old', { created_at: NOW - 700, expires_at: NOW - 100 }))
      expect(await store.transactions.consume('old')).toEqual(transaction('old', { created_at: NOW - 700, expires_at: NOW - 100 }))
    })

    it('reads times back as numbers, beyond 2038 too', async () => {
      await store.transactions.save(transaction('far', { expires_at: FAR_FUTURE }))
      await store.sessions.save(session('far', { expires_at: FAR_FUTURE }))
      const consumed = await store.transactions.consume('far')
      const read = await store.sessions.get('far', NOW)
      expect(consumed).toEqual(transaction('far', { expires_at: FAR_FUTURE }))
      expect(read).toEqual(session('far', { expires_at: FAR_FUTURE }))
      for (const value of [consumed?.created_at, consumed?.expires_at, read?.created_at, read?.updated_at, read?.expires_at]) expect(typeof value).toBe('number')
      await store.sessions.delete('far')
    })

    it('saves, reads, updates, touches and deletes sessions; expired sessions are not returned', async () => {
      await store.sessions.save(session('s1'))
      expect(await store.sessions.get('s1', NOW + 10)).toEqual(session('s1'))
      expect(await store.sessions.get('s1', NOW + 3600)).toBeUndefined()
      await store.sessions.updateTokens('s1', 'v1.new', NOW + 20)
      expect(await store.sessions.get('s1', NOW + 20)).toEqual(session('s1', { tokens: 'v1.new', tokens_version: 1, updated_at: NOW + 20 }))
      await store.sessions.touch('s1', NOW + 30)
      expect(await store.sessions.get('s1', NOW + 30)).toEqual(session('s1', { tokens: 'v1.new', tokens_version: 1, updated_at: NOW + 30 }))
      await store.sessions.delete('s1')
      expect(await store.sessions.get('s1', NOW)).toBeUndefined()
      await store.sessions.delete('s1')
    })

    it('does not recreate a deleted (or unknown) session on updateTokens or touch', async () => {
      await store.sessions.save(session('gone'))
      await store.sessions.delete('gone')
      await store.sessions.updateTokens('gone', 'v1.late', NOW + 5)
      await store.sessions.touch('gone', NOW + 6)
      await store.sessions.updateTokens('never', 'v1.late', NOW + 5)
      await store.sessions.touch('never', NOW + 6)
      expect(await store.sessions.get('gone', NOW)).toBeUndefined()
      expect(await store.sessions.get('never', NOW)).toBeUndefined()
    })

    it('keeps new tokens when touches run concurrently with updateTokens', async () => {
      await store.sessions.save(session('busy'))
      await Promise.all([
        ...Array.from({ length: 10 }, (_, n) => store.sessions.touch('busy', NOW + n)),
        store.sessions.updateTokens('busy', 'v1.refreshed', NOW + 5),
        ...Array.from({ length: 10 }, (_, n) => store.sessions.touch('busy', NOW + 10 + n)),
      ])
      expect(await store.sessions.get('busy', NOW)).toMatchObject({ tokens: 'v1.refreshed', created_at: NOW, expires_at: NOW + 3600 })
    })

    it('replaces tokens only while the version read is still current (compare-and-set; a stale write is refused)', async () => {
      await store.sessions.save(session('cas'))
      expect(await store.sessions.replaceTokens('cas', 'v1.first', 0, NOW + 5)).toBe(true)
      expect(await store.sessions.get('cas', NOW)).toEqual(session('cas', { tokens: 'v1.first', tokens_version: 1, updated_at: NOW + 5 }))
      // A holder that read version 0 and comes back late: refused, the newer set stays.
      expect(await store.sessions.replaceTokens('cas', 'v1.stale', 0, NOW + 6)).toBe(false)
      expect(await store.sessions.get('cas', NOW)).toMatchObject({ tokens: 'v1.first', tokens_version: 1 })
      const results = await Promise.all(Array.from({ length: 10 }, (_, n) => store.sessions.replaceTokens('cas', `v1.racer-${n}`, 1, NOW + 7)))
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(await store.sessions.get('cas', NOW)).toMatchObject({ tokens: `v1.racer-${results.indexOf(true)}`, tokens_version: 2 })
      // Neither a deleted nor an unknown session is recreated.
      await store.sessions.delete('cas')
      expect(await store.sessions.replaceTokens('cas', 'v1.late', 2, NOW + 8)).toBe(false)
      expect(await store.sessions.replaceTokens('never', 'v1.late', 0, NOW + 8)).toBe(false)
      expect(await store.sessions.get('cas', NOW)).toBeUndefined()
      expect(await store.sessions.get('never', NOW)).toBeUndefined()
    })

    it('gives a session’s refresh lease to one caller at a time, even with many concurrent callers', async () => {
      const leases = await Promise.all(Array.from({ length: 20 }, () => store.sessions.refreshLease('leased', 30_000)))
      const held = leases.filter((lease) => lease !== undefined)
      expect(held).toHaveLength(1)
      expect(await store.sessions.refreshLease('leased', 30_000)).toBeUndefined()
      // Another session's lease is its own.
      const other = await store.sessions.refreshLease('other', 30_000)
      expect(other).toBeDefined()
      await held[0]?.release()
      const again = await store.sessions.refreshLease('leased', 30_000)
      expect(again).toBeDefined()
      await again?.release()
      await other?.release()
    })

    it('lets a caller take over an expired lease; the old holder’s late release leaves the new lease alone', async () => {
      const first = await store.sessions.refreshLease('expiring', 100)
      expect(first).toBeDefined()
      await new Promise((resolve) => setTimeout(resolve, 250))
      const second = await store.sessions.refreshLease('expiring', 30_000)
      expect(second).toBeDefined()
      await first?.release()
      expect(await store.sessions.refreshLease('expiring', 30_000)).toBeUndefined()
      await second?.release()
      expect(await store.sessions.refreshLease('expiring', 30_000)).toBeDefined()
    })

    it('drops expired transactions and sessions (purgeExpired, or the store’s own TTL)', async () => {
      const now = Math.floor(Date.now() / 1000)
      const expiresAt = now + 1
      await store.transactions.save(transaction('short', { created_at: now, expires_at: expiresAt }))
      await store.sessions.save(session('short', { created_at: now, updated_at: now, expires_at: expiresAt }))
      await store.transactions.save(transaction('long', { created_at: now }))
      await store.sessions.save(session('long', { created_at: now, updated_at: now, expires_at: now + 3600 }))
      // One second past `expires_at` on the real clock: a TTL store has dropped the records by itself.
      await sleepUntil(expiresAt + 1)
      await store.purgeExpired(expiresAt)
      expect(await store.transactions.consume('short')).toBeUndefined()
      expect(await store.sessions.get('short', 0)).toBeUndefined()
      expect(await store.transactions.consume('long')).toMatchObject({ key: 'long' })
      expect(await store.sessions.get('long', expiresAt)).toMatchObject({ key: 'long' })
    })

    it('ends the sessions a logout token names: by provider session (sid), by user (sub), only at that issuer', async () => {
      const issuer = 'https://op.example'
      await store.sessions.save(session('a1', { subject: 'alice', sid: 'sid-a' }))
      await store.sessions.save(session('a2', { subject: 'alice', sid: 'sid-a2' }))
      await store.sessions.save(session('a3', { subject: 'alice' }))
      await store.sessions.save(session('b1', { subject: 'bob', sid: 'sid-b' }))
      await store.sessions.save(session('x1', { issuer: 'https://other.example', subject: 'alice', sid: 'sid-a' }))
      expect(await store.sessions.get('a1', NOW)).toEqual(session('a1', { subject: 'alice', sid: 'sid-a' }))
      // A sid with another user's sub names nothing.
      expect(await store.sessions.endByProviderSession(issuer, { sid: 'sid-a', subject: 'bob' })).toBe(0)
      expect(await store.sessions.endByProviderSession(issuer, { sid: 'sid-a' })).toBe(1)
      expect(await store.sessions.get('a1', NOW)).toBeUndefined()
      expect(await store.sessions.get('a2', NOW)).toBeDefined()
      expect(await store.sessions.get('x1', NOW)).toBeDefined()
      expect(await store.sessions.endByProviderSession(issuer, { subject: 'alice' })).toBe(2)
      expect(await store.sessions.get('a3', NOW)).toBeUndefined()
      expect(await store.sessions.get('b1', NOW)).toBeDefined()
      expect(await store.sessions.get('x1', NOW)).toBeDefined()
      expect(await store.sessions.endByProviderSession(issuer, {})).toBe(0)
    })

    it('remembers a logout token id once, even with concurrent callers', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => store.logoutTokens.remember('jti-hash', NOW + 120)))
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(await store.logoutTokens.remember('jti-hash', NOW + 120)).toBe(false)
      expect(await store.logoutTokens.remember('other', NOW + 120)).toBe(true)
    })
  })
}
