import { describe, expect, it } from 'vitest'
import { StorageConflictError } from '../../../src/storage/types.js'
import type { CurrentStore } from '../contract.js'
import { NOW, signingKey } from '../fixtures.js'

export function keyContract(store: CurrentStore): void {
  describe('signing keys', () => {
    it('lists keys newest first, ties broken by kid, as copies', async () => {
      await store().keys.add(signingKey({ kid: 'old', created_at: NOW - 100 }))
      await store().keys.add(signingKey({ kid: 'new-b', created_at: NOW }))
      await store().keys.add(signingKey({ kid: 'new-a', created_at: NOW, alg: 'RS256' }))
      const listed = await store().keys.list(NOW)
      expect(listed.map((k) => k.kid)).toEqual(['new-a', 'new-b', 'old'])
      expect(listed[2]).toEqual(signingKey({ kid: 'old', created_at: NOW - 100 }))
      if (listed[0]) listed[0].retired_at = NOW
      expect((await store().keys.list(NOW))[0]?.retired_at).toBeNull()
    })

    it('rejects a duplicate kid with StorageConflictError', async () => {
      await store().keys.add(signingKey())
      await expect(store().keys.add(signingKey({ alg: 'RS256' }))).rejects.toBeInstanceOf(StorageConflictError)
      expect(await store().keys.list(NOW)).toEqual([signingKey()])
    })

    it('retires every other key until expiry, keeping earlier retirements as they were', async () => {
      await store().keys.add(signingKey({ kid: 'retired-earlier', created_at: NOW - 200, retired_at: NOW - 100, expires_at: NOW + 50 }))
      await store().keys.add(signingKey({ kid: 'previous', created_at: NOW - 100 }))
      await store().keys.add(signingKey({ kid: 'current', created_at: NOW }))
      await store().keys.retireAllExcept('current', NOW, NOW + 500)

      expect(await store().keys.list(NOW)).toEqual([
        signingKey({ kid: 'current', created_at: NOW }),
        signingKey({ kid: 'previous', created_at: NOW - 100, retired_at: NOW, expires_at: NOW + 500 }),
        signingKey({ kid: 'retired-earlier', created_at: NOW - 200, retired_at: NOW - 100, expires_at: NOW + 50 }),
      ])
      expect((await store().keys.list(NOW + 50)).map((k) => k.kid)).toEqual(['current', 'previous'])
      expect((await store().keys.list(NOW + 500)).map((k) => k.kid)).toEqual(['current'])
    })

    it('keeps several kids active at once (one new key per algorithm)', async () => {
      await store().keys.add(signingKey({ kid: 'old', created_at: NOW - 100 }))
      await store().keys.add(signingKey({ kid: 'new-es', created_at: NOW }))
      await store().keys.add(signingKey({ kid: 'new-rs', created_at: NOW, alg: 'RS256' }))
      await store().keys.retireAllExcept(['new-es', 'new-rs'], NOW, NOW + 500)
      const retired = (await store().keys.list(NOW)).filter((k) => k.retired_at !== null).map((k) => k.kid)
      expect(retired).toEqual(['old'])
      await store().keys.retireAllExcept([], NOW + 1, NOW + 500)
      expect((await store().keys.list(NOW + 1)).every((k) => k.retired_at !== null)).toBe(true)
    })

    it('changes the version on every add and retirement', async () => {
      const versions = [await store().keys.version()]
      await store().keys.add(signingKey({ kid: 'a', created_at: NOW - 1 }))
      versions.push(await store().keys.version())
      await store().keys.add(signingKey({ kid: 'b' }))
      versions.push(await store().keys.version())
      await store().keys.retireAllExcept('b', NOW, NOW + 60)
      versions.push(await store().keys.version())
      expect(new Set(versions).size).toBe(4)
      expect(await store().keys.version()).toBe(versions[3])
    })

    it('leaves the version alone when an add fails', async () => {
      await store().keys.add(signingKey())
      const before = await store().keys.version()
      await expect(store().keys.add(signingKey())).rejects.toThrow()
      expect(await store().keys.version()).toBe(before)
    })
  })
}
