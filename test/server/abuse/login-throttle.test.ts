import { describe, expect, it } from 'vitest'
import { createMemoryCounterStore } from '../../../src/server/abuse/counter.js'
import { LoginThrottle } from '../../../src/server/abuse/login-throttle.js'

const policy = { delayAfter: 2, lockAfter: 4, lockSeconds: 60, perAddress: 6, windowSeconds: 60 }

describe('LoginThrottle (ASVS 6.3.1)', () => {
  it('delays progressively, then locks the account temporarily', async () => {
    const throttle = new LoginThrottle(createMemoryCounterStore(), policy)
    const delays: number[] = []
    for (let i = 0; i < 4; i++) {
      const gate = await throttle.check('alice', '10.0.0.1', 1000)
      expect(gate.allowed).toBe(true)
      if (gate.allowed) delays.push(gate.delayMs)
      await throttle.failed('alice', '10.0.0.1', 1000)
    }
    expect(delays).toEqual([0, 0, 250, 500])
    expect(await throttle.check('ALICE', '10.0.0.9', 1001)).toEqual({ allowed: false, retryAfter: 59 })
    // Never for good: the lock ends with its window.
    expect((await throttle.check('alice', '10.0.0.1', 1060)).allowed).toBe(true)
  })

  it('limits one address spraying many accounts', async () => {
    const throttle = new LoginThrottle(createMemoryCounterStore(), policy)
    for (let i = 0; i < 6; i++) await throttle.failed(`user${i}`, '10.0.0.2', 1000)
    expect((await throttle.check('someone', '10.0.0.2', 1000)).allowed).toBe(false)
    expect((await throttle.check('someone', '10.0.0.3', 1000)).allowed).toBe(true)
  })

  it('clears account failures on success', async () => {
    const throttle = new LoginThrottle(createMemoryCounterStore(), policy)
    for (let i = 0; i < 3; i++) await throttle.failed('bob', undefined, 1000)
    await throttle.succeeded('bob')
    expect(await throttle.check('bob', undefined, 1000)).toEqual({ allowed: true, delayMs: 0 })
  })

  it('keeps memory bounded', async () => {
    const counters = createMemoryCounterStore(3)
    for (const key of ['a', 'b', 'c', 'd']) await counters.increment(key, 60, 1000)
    expect(await counters.get('a', 1000)).toBeUndefined()
    expect(await counters.get('d', 1000)).toMatchObject({ count: 1 })
  })

  it('limits refused passkey assertions per user and per address, an IPv6 address by its /64', async () => {
    const throttle = new LoginThrottle(createMemoryCounterStore(), policy)
    const reached = []
    for (let i = 0; i < 4; i++) reached.push(await throttle.passkeyFailed('u1', `2001:db8:1:2::${i + 1}`, 1000))
    // The fourth failure reaches the user's limit (lockAfter 4), reported once for the audit trail.
    expect(reached.map((entry) => entry.user)).toEqual([false, false, false, true])
    expect(await throttle.checkPasskey('u1', '10.9.9.9', 1001)).toEqual({ allowed: false, retryAfter: 59 })
    // Passkey failures are their own count: the password form of the same user is not locked by them.
    expect((await throttle.check('u1', '10.9.9.9', 1001)).allowed).toBe(true)
    expect((await throttle.checkPasskey('u2', '10.9.9.9', 1001)).allowed).toBe(true)
    // Two more failures of unknown users from other addresses of the same /64 close the network.
    await throttle.passkeyFailed(undefined, '2001:db8:1:2:ffff::1', 1000)
    expect((await throttle.passkeyFailed(undefined, '2001:db8:1:2::abcd', 1000)).address).toBe(true)
    expect((await throttle.checkPasskey(undefined, '2001:db8:1:2:dead:beef::7', 1000)).allowed).toBe(false)
    expect((await throttle.checkPasskey(undefined, '2001:db8:1:3::1', 1000)).allowed).toBe(true)
    // Success clears the user's count, not the network's; the lock ends with its window.
    await throttle.passkeySucceeded('u1')
    expect((await throttle.checkPasskey('u1', undefined, 1001)).allowed).toBe(true)
    expect((await throttle.checkPasskey(undefined, '2001:db8:1:2::1', 1060)).allowed).toBe(true)
  })
})
