import { describe, expect, it } from 'vitest'
import { addressGroup } from '../../../src/server/abuse/address-group.js'

describe('addressGroup', () => {
  it('counts IPv6 by /64 whatever the spelling, IPv4 and mapped IPv4 by the address', () => {
    expect(addressGroup('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64')
    expect(addressGroup('2001:0DB8:0001:0002:ffff:0:0:1')).toBe('2001:db8:1:2::/64')
    expect(addressGroup('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64')
    expect(addressGroup('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64')
    expect(addressGroup('::1')).toBe('0:0:0:0::/64')
    expect(addressGroup('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
    expect(addressGroup('198.51.100.7')).toBe('198.51.100.7')
    expect(addressGroup('::ffff:198.51.100.7')).toBe('198.51.100.7')
    expect(addressGroup('not an address')).toBe('not an address')
  })
})
