import { describe, expect, it } from 'vitest'
import { StorageConflictError, type RecordKind } from '../../../src/storage/types.js'
import type { CurrentStore } from '../contract.js'
import { CLIENT_ID, NOW, USER_ID } from '../fixtures.js'

/** Kinds of the next wave's shape: a device code with polling state, and a replay mark with no value to speak of. */
interface DeviceCode { user_code: string; status: 'pending' | 'approved'; last_poll: number | null; scopes: string[] }
const DEVICE_CODE: RecordKind<DeviceCode> = { name: 'test-device-code' }
const REPLAY_MARK: RecordKind<Record<string, never>> = { name: 'test-replay-mark' }

const pending = (overrides: Partial<DeviceCode> = {}): DeviceCode => ({ user_code: 'WDJB-MJHT', status: 'pending', last_poll: null, scopes: ['openid'], ...overrides })

export function recordContract(store: CurrentStore): void {
  describe('keyed records', () => {
    it('stores a record under (kind, key) and returns copies of it until its expiresAt', async () => {
      const { records } = store()
      await records.put(DEVICE_CODE, { key: 'dc-1', value: pending(), expiresAt: NOW + 600, subject: USER_ID, clientId: CLIENT_ID })
      const found = await records.get(DEVICE_CODE, 'dc-1', NOW)
      expect(found).toEqual({ key: 'dc-1', value: pending(), expiresAt: NOW + 600, subject: USER_ID, clientId: CLIENT_ID, consumedAt: null, revision: 0 })
      found?.value.scopes.push('admin')
      expect((await records.get(DEVICE_CODE, 'dc-1', NOW + 599))?.value).toEqual(pending())
      expect(await records.get(DEVICE_CODE, 'dc-1', NOW + 600)).toBeUndefined()
      expect(await records.get(DEVICE_CODE, 'no-such-key', NOW)).toBeUndefined()
      // Kinds are apart: the same key in another kind is another record.
      expect(await records.get(REPLAY_MARK, 'dc-1', NOW)).toBeUndefined()
    })

    it('adds only if absent, unless told to replace (which clears a consumption and moves the revision)', async () => {
      const { records } = store()
      await records.put(REPLAY_MARK, { key: 'jti-1', value: {}, expiresAt: NOW + 60 })
      await expect(records.put(REPLAY_MARK, { key: 'jti-1', value: {}, expiresAt: NOW + 60 })).rejects.toBeInstanceOf(StorageConflictError)
      await records.consume(REPLAY_MARK, 'jti-1', NOW)
      await records.put(REPLAY_MARK, { key: 'jti-1', value: {}, expiresAt: NOW + 90 }, { replace: true })
      expect(await records.get(REPLAY_MARK, 'jti-1', NOW)).toMatchObject({ expiresAt: NOW + 90, consumedAt: null, subject: null, clientId: null })
      expect((await records.get(REPLAY_MARK, 'jti-1', NOW))?.revision).toBeGreaterThan(0)
      await records.put(REPLAY_MARK, { key: 'fresh', value: {}, expiresAt: NOW + 90 }, { replace: true })
      expect(await records.get(REPLAY_MARK, 'fresh', NOW)).toBeDefined()
    })

    it('consumes once, then reports replays with the first consumption time, until expiry', async () => {
      const { records } = store()
      await records.put(DEVICE_CODE, { key: 'dc-1', value: pending(), expiresAt: NOW + 60 })
      const first = await records.consume(DEVICE_CODE, 'dc-1', NOW)
      expect(first).toMatchObject({ status: 'consumed', record: { value: pending(), consumedAt: NOW } })
      expect(await records.consume(DEVICE_CODE, 'dc-1', NOW + 5)).toMatchObject({ status: 'replayed', record: { value: pending(), consumedAt: NOW } })
      expect(await records.get(DEVICE_CODE, 'dc-1', NOW)).toBeUndefined()
      expect(await records.consume(DEVICE_CODE, 'dc-1', NOW + 60)).toEqual({ status: 'unknown' })
      expect(await records.consume(DEVICE_CODE, 'no-such-key', NOW)).toEqual({ status: 'unknown' })
    })

    it('lets exactly one of 50 concurrent consumers win, and tells the others it was a replay', async () => {
      const { records } = store()
      await records.put(DEVICE_CODE, { key: 'dc-1', value: pending(), expiresAt: NOW + 60 })
      const results = await Promise.all(Array.from({ length: 50 }, (_, n) => store().records.consume(DEVICE_CODE, 'dc-1', NOW + (n % 3))))
      const winners = results.filter((r) => r.status === 'consumed')
      expect(winners).toHaveLength(1)
      expect(results.filter((r) => r.status === 'replayed')).toHaveLength(49)
      const consumedAt = winners[0]?.status === 'consumed' ? winners[0].record.consumedAt : undefined
      expect(new Set(results.map((r) => r.status !== 'unknown' && r.record.consumedAt))).toEqual(new Set([consumedAt]))
    })

    it('updates by compare-and-set: one of concurrent writers of the same revision wins, the rest read again', async () => {
      const { records } = store()
      await records.put(DEVICE_CODE, { key: 'dc-1', value: pending(), expiresAt: NOW + 600 })
      const read = await records.get(DEVICE_CODE, 'dc-1', NOW)
      if (!read) throw new Error('record missing')
      const writes = await Promise.all(Array.from({ length: 20 }, (_, n) =>
        store().records.update(DEVICE_CODE, 'dc-1', read.revision, pending({ last_poll: NOW + n }), NOW)))
      expect(writes.filter(Boolean)).toHaveLength(1)
      const polled = await records.get(DEVICE_CODE, 'dc-1', NOW)
      expect(polled?.revision).not.toBe(read.revision)
      expect(await records.update(DEVICE_CODE, 'dc-1', read.revision, pending({ status: 'approved' }), NOW)).toBe(false)
      expect(await records.update(DEVICE_CODE, 'dc-1', polled?.revision ?? -1, pending({ status: 'approved' }), NOW)).toBe(true)
      expect((await records.get(DEVICE_CODE, 'dc-1', NOW))?.value.status).toBe('approved')
      // Neither an expired nor a consumed record changes.
      const latest = (await records.get(DEVICE_CODE, 'dc-1', NOW))?.revision ?? -1
      expect(await records.update(DEVICE_CODE, 'dc-1', latest, pending(), NOW + 600)).toBe(false)
      await records.consume(DEVICE_CODE, 'dc-1', NOW)
      expect(await records.update(DEVICE_CODE, 'dc-1', latest, pending(), NOW)).toBe(false)
      expect(await records.update(DEVICE_CODE, 'no-such-key', 0, pending(), NOW)).toBe(false)
    })

    it('deletes by key, by subject and by client, of one kind or of all', async () => {
      const { records } = store()
      const put = (kind: RecordKind<DeviceCode>, key: string, subject: string | null, clientId: string | null) =>
        records.put(kind, { key, value: pending(), expiresAt: NOW + 600, subject, clientId })
      const OTHER: RecordKind<DeviceCode> = { name: 'test-other' }
      await put(DEVICE_CODE, 'a', USER_ID, CLIENT_ID)
      await put(DEVICE_CODE, 'b', USER_ID, 'client-b')
      await put(OTHER, 'c', USER_ID, null)
      await put(DEVICE_CODE, 'd', 'user-2', CLIENT_ID)
      await put(DEVICE_CODE, 'e', 'user-2', 'client-b')

      await records.delete(DEVICE_CODE, 'e')
      await records.delete(DEVICE_CODE, 'e')
      expect(await records.get(DEVICE_CODE, 'e', NOW)).toBeUndefined()

      expect((await records.listBySubject(DEVICE_CODE, USER_ID)).map((r) => r.key).toSorted()).toEqual(['a', 'b'])
      await records.deleteBySubject(USER_ID, OTHER)
      expect(await records.get(OTHER, 'c', NOW)).toBeUndefined()
      expect(await records.get(DEVICE_CODE, 'a', NOW)).toBeDefined()

      await records.deleteByClient(CLIENT_ID)
      expect(await records.get(DEVICE_CODE, 'a', NOW)).toBeUndefined()
      expect(await records.get(DEVICE_CODE, 'd', NOW)).toBeUndefined()
      expect(await records.get(DEVICE_CODE, 'b', NOW)).toBeDefined()

      await records.deleteBySubject(USER_ID)
      await records.deleteBySubject('nobody')
      await records.deleteByClient('nobody')
      expect(await records.get(DEVICE_CODE, 'b', NOW)).toBeUndefined()
      expect(await records.listBySubject(DEVICE_CODE, USER_ID)).toEqual([])
    })

    it('goes with its user and with its client', async () => {
      const s = store()
      await s.records.put(DEVICE_CODE, { key: 'of-user', value: pending(), expiresAt: NOW + 600, subject: USER_ID })
      await s.records.put(DEVICE_CODE, { key: 'of-client', value: pending(), expiresAt: NOW + 600, clientId: CLIENT_ID })
      await s.users.delete(USER_ID)
      expect(await s.records.get(DEVICE_CODE, 'of-user', NOW)).toBeUndefined()
      expect(await s.records.get(DEVICE_CODE, 'of-client', NOW)).toBeDefined()
      await s.clients.delete(CLIENT_ID)
      expect(await s.records.get(DEVICE_CODE, 'of-client', NOW)).toBeUndefined()
    })

    // Listing reads what is stored, expired or not: an undefined result means the record was deleted.
    it('is purged from its expiresAt on, consumed or not', async () => {
      const s = store()
      const put = (key: string, expiresAt: number) => s.records.put(DEVICE_CODE, { key, value: pending(), expiresAt, subject: USER_ID })
      await put('expired', NOW + 10)
      await put('expired-consumed', NOW + 10)
      await put('live-consumed', NOW + 11)
      await s.records.consume(DEVICE_CODE, 'expired-consumed', NOW)
      await s.records.consume(DEVICE_CODE, 'live-consumed', NOW)
      await s.purgeExpired(NOW + 10)
      expect((await s.records.listBySubject(DEVICE_CODE, USER_ID)).map((r) => r.key)).toEqual(['live-consumed'])
      expect((await s.records.consume(DEVICE_CODE, 'live-consumed', NOW)).status).toBe('replayed')
      // A purged key is free again.
      await put('expired', NOW + 20)
    })
  })
}
