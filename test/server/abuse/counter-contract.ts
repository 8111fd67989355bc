import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { CounterStore } from '../../../src/server/abuse/counter.js'

/** What every `CounterStore` must do (memory, Redis): one suite, run against each. */
export function counterStoreContract(name: string, open: () => Promise<CounterStore & { close?: () => Promise<void> }>): void {
  describe(`CounterStore contract: ${name}`, () => {
    const key = (label: string) => `${label}:${randomBytes(6).toString('hex')}`
    const now = Math.floor(Date.now() / 1000)

    it('counts hits within a window that starts at the first one', async () => {
      const store = await open()
      const k = key('login:account:alice')
      expect(await store.get(k, now)).toBeUndefined()
      expect(await store.increment(k, 60, now)).toEqual({ count: 1, resetAt: now + 60 })
      const second = await store.increment(k, 60, now)
      expect(second.count).toBe(2)
      // The window is not extended by later hits.
      expect(second.resetAt).toBeLessThanOrEqual(now + 60)
      expect((await store.get(k, now))?.count).toBe(2)
      await store.close?.()
    })

    it('keeps keys apart and forgets a reset key', async () => {
      const store = await open()
      const [a, b] = [key('a'), key('b')]
      await store.increment(a, 60, now)
      await store.increment(a, 60, now)
      await store.increment(b, 60, now)
      await store.reset(a)
      expect(await store.get(a, now)).toBeUndefined()
      expect((await store.get(b, now))?.count).toBe(1)
      await store.close?.()
    })

    it('counts concurrent increments exactly once each', async () => {
      const store = await open()
      const k = key('concurrent')
      const results = await Promise.all(Array.from({ length: 50 }, () => store.increment(k, 60, now)))
      expect(results.map((result) => result.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1))
      await store.close?.()
    })
  })
}
