import { describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../../src/storage/types.js'
import type { CurrentStore } from '../contract.js'
import { CLIENT_ID, NOW, USER_ID } from '../fixtures.js'

const DAY = 24 * 3600

function event(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: `${NOW}-a`,
    type: 'login.succeeded',
    time: NOW,
    subject: USER_ID,
    client_id: CLIENT_ID,
    details: { username: 'alice', client_address: '127.0.0.1' },
    expires_at: NOW + 90 * DAY,
    ...overrides,
  }
}

export function auditContract(store: CurrentStore): void {
  describe('audit', () => {
    it('keeps every kind of detail value as it came', async () => {
      const record = event({ details: { text: 'x', count: 3, flag: false, missing: null, scopes: ['openid', 'notes:read'], empty: [] } })
      await store().audit.append(record)
      expect(await store().audit.list({ limit: 10 })).toEqual([record])
    })

    it('lists newest first, breaking ties in time by id, and stops at the limit', async () => {
      const s = store()
      await s.audit.append(event({ id: 'b', time: NOW }))
      await s.audit.append(event({ id: 'a', time: NOW + 1 }))
      await s.audit.append(event({ id: 'c', time: NOW }))
      await s.audit.append(event({ id: 'd', time: NOW - 1 }))
      expect((await s.audit.list({ limit: 10 })).map((r) => r.id)).toEqual(['a', 'c', 'b', 'd'])
      expect((await s.audit.list({ limit: 2 })).map((r) => r.id)).toEqual(['a', 'c'])
    })

    it('filters by time (since inclusive, until exclusive), type, subject and client', async () => {
      const s = store()
      await s.audit.append(event({ id: 'old', time: NOW - 10, type: 'login.failed', subject: null, details: { username: 'mallory' } }))
      await s.audit.append(event({ id: 'login', time: NOW, type: 'login.succeeded' }))
      await s.audit.append(event({ id: 'token', time: NOW + 5, type: 'token.issued', subject: 'user-2' }))
      await s.audit.append(event({ id: 'key', time: NOW + 10, type: 'keys.rotated', subject: null, client_id: null }))
      const ids = async (query: Parameters<typeof s.audit.list>[0]) => (await s.audit.list(query)).map((r) => r.id)
      expect(await ids({ since: NOW, limit: 10 })).toEqual(['key', 'token', 'login'])
      expect(await ids({ until: NOW + 5, limit: 10 })).toEqual(['login', 'old'])
      expect(await ids({ since: NOW, until: NOW + 10, limit: 10 })).toEqual(['token', 'login'])
      expect(await ids({ type: 'login.failed', limit: 10 })).toEqual(['old'])
      expect(await ids({ type: ['login.failed', 'login.succeeded'], limit: 10 })).toEqual(['login', 'old'])
      expect(await ids({ type: [], limit: 10 })).toEqual([])
      expect(await ids({ subject: USER_ID, limit: 10 })).toEqual(['login'])
      expect(await ids({ clientId: CLIENT_ID, limit: 10 })).toEqual(['token', 'login', 'old'])
      expect(await ids({ clientId: CLIENT_ID, subject: 'user-2', type: 'token.issued', since: NOW + 5, until: NOW + 6, limit: 1 })).toEqual(['token'])
    })

    it('refuses a second record with the same id and never changes the first', async () => {
      const s = store()
      await s.audit.append(event())
      await expect(s.audit.append(event({ type: 'changed' }))).rejects.toMatchObject({ name: 'StorageConflictError' })
      const [listed] = await s.audit.list({ limit: 1 })
      expect(listed?.type).toBe('login.succeeded')
      // Records are copies: changing one does not change the store.
      if (listed) listed.details.username = 'mallory'
      expect((await s.audit.list({ limit: 1 }))[0]?.details.username).toBe('alice')
    })

    it('appends a batch in one step: all records, or none when one id is taken', async () => {
      const s = store()
      await s.audit.append(event({ id: 'a' }), event({ id: 'b' }))
      await expect(s.audit.append(event({ id: 'c' }), event({ id: 'a' }))).rejects.toMatchObject({ name: 'StorageConflictError' })
      await expect(s.audit.append(event({ id: 'd' }), event({ id: 'd' }))).rejects.toMatchObject({ name: 'StorageConflictError' })
      await s.audit.append()
      expect((await s.audit.list({ limit: 10 })).map((r) => r.id)).toEqual(['b', 'a'])
    })

    it('outlives the user and client it names', async () => {
      const s = store()
      await s.audit.append(event())
      await s.users.delete(USER_ID)
      await s.clients.delete(CLIENT_ID)
      expect(await s.audit.list({ subject: USER_ID, limit: 10 })).toHaveLength(1)
    })

    it('is purged after its retention, with the other expired records', async () => {
      const s = store()
      await s.audit.append(event({ id: 'expired', expires_at: NOW + 100 }))
      await s.audit.append(event({ id: 'kept', expires_at: NOW + 101 }))
      await s.purgeExpired(NOW + 100)
      expect((await s.audit.list({ limit: 10 })).map((r) => r.id)).toEqual(['kept'])
    })
  })
}
