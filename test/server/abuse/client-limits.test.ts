import { describe, expect, it } from 'vitest'
import { ClientLimits, RateLimitedError, resolveClientLimits } from '../../../src/server/abuse/client-limits.js'
import { createMemoryCounterStore } from '../../../src/server/abuse/counter.js'

const policy = resolveClientLimits({ authFailuresPerClientAddress: 3, authFailuresPerAddress: 5, grantFailuresPerClient: 2, inactiveIntrospectionsPerClient: 2, windowSeconds: 60 })

describe('client limits (catalogue RL-02, RL-03)', () => {
  it('refuses an address after repeated failed authentications for one client, not other addresses', async () => {
    const limits = new ClientLimits(createMemoryCounterStore(), policy)
    for (let i = 0; i < 3; i++) {
      await limits.admitAuthentication('203.0.113.1', () => 'conf', 100)
      await limits.authenticationFailed('203.0.113.1', 'conf', 100)
    }
    const refused = await limits.admitAuthentication('203.0.113.1', () => 'conf', 110).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RateLimitedError)
    expect((refused as RateLimitedError).status).toBe(429)
    expect((refused as RateLimitedError).retryAfter).toBe(50)
    expect((refused as RateLimitedError).toJSON()).toEqual({ error: 'temporarily_unavailable', error_description: 'Too many requests; retry later' })
    await expect(limits.admitAuthentication('203.0.113.2', () => 'conf', 110)).resolves.toBeUndefined()
    await expect(limits.admitAuthentication('203.0.113.1', () => 'other', 110)).resolves.toBeUndefined()
    // The window ends.
    await expect(limits.admitAuthentication('203.0.113.1', () => 'conf', 160)).resolves.toBeUndefined()
  })

  it('refuses an address spraying many client ids', async () => {
    const limits = new ClientLimits(createMemoryCounterStore(), policy)
    for (let i = 0; i < 5; i++) await limits.authenticationFailed('203.0.113.1', `client-${i}`, 100)
    await expect(limits.admitAuthentication('203.0.113.1', () => 'fresh', 100)).rejects.toBeInstanceOf(RateLimitedError)
  })

  it('counts grant failures per client and address, and inactive introspections per client', async () => {
    const limits = new ClientLimits(createMemoryCounterStore(), policy)
    await limits.grantFailed('pub', '203.0.113.1', 100)
    await limits.grantFailed('pub', '203.0.113.1', 100)
    await expect(limits.admitGrant('pub', '203.0.113.1', 100)).rejects.toBeInstanceOf(RateLimitedError)
    await expect(limits.admitGrant('pub', '198.51.100.1', 100)).resolves.toBeUndefined()
    await limits.introspectedInactive('rs', 100)
    await expect(limits.admitIntrospection('rs', 100)).resolves.toBeUndefined()
    await limits.introspectedInactive('rs', 100)
    await expect(limits.admitIntrospection('rs', 100)).rejects.toBeInstanceOf(RateLimitedError)
  })

  it('caps requests per client only when configured', async () => {
    const off = new ClientLimits(createMemoryCounterStore(), policy)
    for (let i = 0; i < 1000; i++) await off.countRequest('m2m', 100)
    const capped = new ClientLimits(createMemoryCounterStore(), resolveClientLimits({ requestsPerClient: 2, requestWindowSeconds: 1 }))
    await capped.countRequest('m2m', 100)
    await capped.countRequest('m2m', 100)
    await expect(capped.countRequest('m2m', 100)).rejects.toBeInstanceOf(RateLimitedError)
    await expect(capped.countRequest('m2m', 101)).resolves.toBeUndefined()
  })

  it('validates the policy', () => {
    expect(() => resolveClientLimits({ windowSeconds: 0 })).toThrow(/windowSeconds/)
    expect(() => resolveClientLimits({ grantFailuresPerClient: 1.5 })).toThrow(/grantFailuresPerClient/)
    expect(resolveClientLimits({ requestsPerClient: 0 }).requestsPerClient).toBe(0)
  })
})
