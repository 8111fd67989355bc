import { BlockList, isIP } from 'node:net'

/**
 * Special-purpose address blocks (RFC 6890 and the IANA registries it created), which a server must not
 * reach on behalf of a URL someone else supplied: loopback, private, link-local (cloud metadata at
 * 169.254.169.254), shared CGN space, documentation, benchmarking, multicast, reserved, and the IPv6 forms
 * that embed an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6890
 */
const SPECIAL_USE: readonly [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network" (RFC 1122); 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8, 'ipv4'], // private (RFC 1918)
  ['100.64.0.0', 10, 'ipv4'], // shared address space, carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud instance metadata
  ['172.16.0.0', 12, 'ipv4'], // private
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['192.0.2.0', 24, 'ipv4'], // documentation
  ['192.88.99.0', 24, 'ipv4'], // 6to4 relay anycast
  ['192.168.0.0', 16, 'ipv4'], // private
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['198.51.100.0', 24, 'ipv4'], // documentation
  ['203.0.113.0', 24, 'ipv4'], // documentation
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, and 255.255.255.255 broadcast
  ['::', 128, 'ipv6'], // unspecified
  ['::1', 128, 'ipv6'], // loopback
  ['::ffff:0:0', 96, 'ipv6'], // IPv4-mapped
  ['64:ff9b::', 96, 'ipv6'], // NAT64 (RFC 6052): reaches any IPv4 address, private ones included
  ['64:ff9b:1::', 48, 'ipv6'], // local-use NAT64 (RFC 8215)
  ['100::', 64, 'ipv6'], // discard-only
  ['2001::', 23, 'ipv6'], // IETF protocol assignments, Teredo
  ['2001:db8::', 32, 'ipv6'], // documentation
  ['2002::', 16, 'ipv6'], // 6to4: embeds an IPv4 address
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['fec0::', 10, 'ipv6'], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8, 'ipv6'], // multicast
]

const LOOPBACK: readonly [string, number, 'ipv4' | 'ipv6'][] = [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']]

/**
 * One list per family: Node's BlockList matches an IPv4 address against IPv6 rules through its mapped form,
 * and `::ffff:0:0/96` would then cover every IPv4 address.
 */
function blockLists(entries: readonly [string, number, 'ipv4' | 'ipv6'][]): Record<4 | 6, BlockList> {
  const lists = { 4: new BlockList(), 6: new BlockList() }
  for (const [network, prefix, family] of entries) lists[family === 'ipv4' ? 4 : 6].addSubnet(network, prefix, family)
  return lists
}

const specialUse = blockLists(SPECIAL_USE)
const loopback = blockLists([...LOOPBACK, ['::ffff:127.0.0.0', 104, 'ipv6']])

/** `address` without the brackets a URL puts around IPv6 literals. */
export function unbracketed(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
}

/**
 * Whether `address` (an IP literal) is in a special-use block. A string that is not an IP address is
 * special-use too: callers check resolved addresses, never names.
 *
 * @example isSpecialUseAddress('169.254.169.254') // true
 */
export function isSpecialUseAddress(address: string): boolean {
  const plain = unbracketed(address)
  const family = isIP(plain)
  if (family === 0) return true
  return family === 4 ? specialUse[4].check(plain, 'ipv4') : specialUse[6].check(plain, 'ipv6')
}

/** Whether `address` is a loopback address (127.0.0.0/8, ::1), including its IPv4-mapped form. */
export function isLoopbackAddress(address: string): boolean {
  const plain = unbracketed(address)
  const family = isIP(plain)
  if (family === 0) return false
  return family === 4 ? loopback[4].check(plain, 'ipv4') : loopback[6].check(plain, 'ipv6')
}
