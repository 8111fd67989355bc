import { isIPv4, isIPv6 } from 'node:net'

/**
 * The unit an address-keyed limit counts: an IPv4 address as it is, an IPv6 address by its /64 (one
 * subscriber's network; rotating within it must not buy new attempts), IPv4-mapped IPv6 as the IPv4
 * address, so two spellings of one source share a counter (catalogue DV-01).
 *
 * @example addressGroup('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function addressGroup(address: string): string {
  if (isIPv4(address)) return address
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped?.[1] && isIPv4(mapped[1])) return mapped[1]
  if (!isIPv6(address)) return address
  // A zone index (`%eth0`) names an interface, not a network.
  const [bare = ''] = address.toLowerCase().split('%', 1)
  const [head = '', tail] = bare.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return `${groups.slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::/64`
}
