import { describe, expect, it } from 'vitest'
import { ConfigError, resolveConfig } from '../../../src/server/config.js'
import { DEFAULT_CLIENT_LIMITS } from '../../../src/server/abuse/client-limits.js'
import { createMemoryStore } from '../../../src/storage/memory.js'

const base = { issuer: 'https://a.example', store: createMemoryStore(), secret: 'x'.repeat(32) }

describe('abuse-limit configuration', () => {
  it('defaults: failure limits on, no traffic cap, no trusted proxy', () => {
    const config = resolveConfig(base)
    expect(config.clientLimits).toEqual(DEFAULT_CLIENT_LIMITS)
    expect(config.clientLimits.requestsPerClient).toBe(0)
    expect(config.clientAddress).toBeUndefined()
  })

  it('names the field of a bad limit, proxy entry or forwarding header', () => {
    expect(() => resolveConfig({ ...base, clientLimits: { windowSeconds: 0 } })).toThrow(ConfigError)
    expect(() => resolveConfig({ ...base, clientLimits: { windowSeconds: 0 } })).toThrow(/clientLimits.*windowSeconds/)
    expect(() => resolveConfig({ ...base, trustedProxies: ['10.0.0.0/8', 'lb.internal'] })).toThrow(/trustedProxies.*lb\.internal/)
    expect(() => resolveConfig({ ...base, forwardedHeader: 'x-real-ip' as 'forwarded' })).toThrow(/forwardedHeader/)
  })

  it('builds the client-address resolver from trustedProxies and forwardedHeader', () => {
    const config = resolveConfig({ ...base, trustedProxies: ['10.0.0.0/8'], forwardedHeader: 'forwarded' })
    expect(config.clientAddress?.('10.0.0.1', new Headers({ forwarded: 'for=203.0.113.4', 'x-forwarded-for': '6.6.6.6' }))).toBe('203.0.113.4')
  })
})
