import { describe, expect, it } from 'vitest'
import { createMemoryCounterStore } from '../../../src/server/abuse/counter.js'
import { counterStoreContract } from './counter-contract.js'

counterStoreContract('memory', async () => createMemoryCounterStore())

describe('memory counter store', () => {
  it('ends a window at resetAt and stays bounded in keys', async () => {
    const store = createMemoryCounterStore(3)
    await store.increment('k', 10, 100)
    expect((await store.get('k', 109))?.count).toBe(1)
    expect(await store.get('k', 110)).toBeUndefined()
    for (const name of ['a', 'b', 'c', 'd']) await store.increment(name, 10, 100)
    expect(await store.get('a', 100)).toBeUndefined()
    expect((await store.get('d', 100))?.count).toBe(1)
  })
})

describe('memory counter store keys', () => {
  it('keeps long keys (an 8 KiB username) apart, stored hashed', async () => {
    const store = createMemoryCounterStore()
    const [a, b] = [`login:account:${'a'.repeat(8192)}`, `login:account:${'a'.repeat(8191)}b`]
    await store.increment(a, 60, 100)
    await store.increment(a, 60, 100)
    expect((await store.increment(b, 60, 100)).count).toBe(1)
    expect((await store.get(a, 100))?.count).toBe(2)
    await store.reset(a)
    expect(await store.get(a, 100)).toBeUndefined()
    expect((await store.get(b, 100))?.count).toBe(1)
  })
})
