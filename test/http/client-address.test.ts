import { describe, expect, it } from 'vitest'
import { createClientAddressResolver, normalizeAddress, parseTrustedProxies } from '../../src/http/client-address.js'

const xff = (value: string): Headers => new Headers({ 'x-forwarded-for': value })

describe('client address behind proxies (catalogue RL-01, RL-05)', () => {
  it('without trusted proxies the socket peer is the client, whatever the headers say', () => {
    const resolve = createClientAddressResolver()
    expect(resolve('198.51.100.9', xff('203.0.113.1'))).toBe('198.51.100.9')
    expect(resolve('::ffff:127.0.0.1', xff('203.0.113.1'))).toBe('127.0.0.1')
    expect(resolve(undefined, xff('203.0.113.1'))).toBeUndefined()
  })

  it('a spoofed X-Forwarded-For from an untrusted peer is ignored', () => {
    const resolve = createClientAddressResolver({ trustedProxies: ['10.0.0.0/8'] })
    expect(resolve('198.51.100.9', xff('203.0.113.1'))).toBe('198.51.100.9')
  })

  it('walks from the right and stops at the first untrusted hop', () => {
    const resolve = createClientAddressResolver({ trustedProxies: ['10.0.0.0/8', '192.0.2.10'] })
    // The client prepended a forged address; the edge proxy appended the real one.
    expect(resolve('10.1.2.3', xff('1.1.1.1, 203.0.113.7, 192.0.2.10'))).toBe('203.0.113.7')
    expect(resolve('10.1.2.3', xff('203.0.113.7'))).toBe('203.0.113.7')
    // Every hop trusted: the leftmost is the client.
    expect(resolve('10.1.2.3', xff('10.9.9.9'))).toBe('10.9.9.9')
    // Repeated headers are one list, in order.
    const headers = new Headers()
    headers.append('x-forwarded-for', '1.1.1.1')
    headers.append('x-forwarded-for', '203.0.113.8')
    expect(resolve('10.1.2.3', headers)).toBe('203.0.113.8')
  })

  it('a trusted proxy forwarding garbage is itself the client address', () => {
    const resolve = createClientAddressResolver({ trustedProxies: ['127.0.0.1'] })
    expect(resolve('127.0.0.1', xff('unknown'))).toBe('127.0.0.1')
    expect(resolve('127.0.0.1', xff(''))).toBe('127.0.0.1')
    expect(resolve('127.0.0.1', new Headers())).toBe('127.0.0.1')
    expect(resolve('::ffff:127.0.0.1', xff('203.0.113.5:4711'))).toBe('203.0.113.5')
  })

  it('reads RFC 7239 Forwarded only when configured, with quoted IPv6 and ports', () => {
    const forwarded = createClientAddressResolver({ trustedProxies: ['::1'], header: 'forwarded' })
    const headers = new Headers({ forwarded: 'for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:DB8::1]:4711"', 'x-forwarded-for': '6.6.6.6' })
    expect(forwarded('::1', headers)).toBe('2001:db8::1')
    expect(forwarded('::1', new Headers({ forwarded: 'for=_hidden' }))).toBe('::1')
    // The default header is X-Forwarded-For: a Forwarded header the proxy does not manage is the client's.
    const xffOnly = createClientAddressResolver({ trustedProxies: ['::1'] })
    expect(xffOnly('::1', headers)).toBe('6.6.6.6')
  })

  it('refuses invalid trusted-proxy entries, naming them', () => {
    expect(() => parseTrustedProxies(['10.0.0.0/33'])).toThrow(/10\.0\.0\.0\/33/)
    expect(() => parseTrustedProxies(['proxy.internal'])).toThrow(/proxy\.internal/)
    expect(() => parseTrustedProxies(['10.0.0.0/8/1'])).toThrow()
    expect(parseTrustedProxies(['fd00::/8', '127.0.0.1']).check('fd12::1', 'ipv6')).toBe(true)
    expect(normalizeAddress('[::1]')).toBe('::1')
    expect(normalizeAddress('not an address')).toBeUndefined()
  })
})
