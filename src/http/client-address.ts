import { BlockList, isIP } from 'node:net'

/** Which header the trusted proxies maintain. Only that one is read: the other is whatever the client sent. */
export type ForwardedHeader = 'x-forwarded-for' | 'forwarded'

export interface ClientAddressOptions {
  /** Proxies whose forwarding header is believed: IP addresses or CIDR ranges (`10.0.0.0/8`, `::1`). Default none. */
  trustedProxies?: readonly string[]
  /** Default `x-forwarded-for` (nginx, HAProxy, most load balancers); `forwarded` for RFC 7239 proxies. */
  header?: ForwardedHeader
}

/** Turns the socket peer and the request headers into the address that abuse limits count against. */
export type ClientAddressResolver = (peer: string | undefined, headers: Headers) => string | undefined

// Hops past this many are never read: a chain of trusted proxies is short, and the loop stays bounded.
const MAX_HOPS = 32

/**
 * Parses a list of IP addresses and CIDR ranges into a `BlockList`; throws a `TypeError` naming the bad
 * entry, so that configuration fails at start-up rather than silently trusting nothing (or everything).
 *
 * @example parseTrustedProxies(['10.0.0.0/8', '::1'])
 */
export function parseTrustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList()
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.trim().split('/')
    const family = isIP(address)
    const bits = prefix === undefined ? undefined : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN
    const max = family === 6 ? 128 : 32
    if (family === 0 || extra !== undefined || (bits !== undefined && !(bits >= 0 && bits <= max))) {
      throw new TypeError(`not an IP address or CIDR range: ${JSON.stringify(entry)}`)
    }
    const type = family === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(address, type)
    else list.addSubnet(address, bits, type)
  }
  return list
}

/** A literal IP address in canonical-enough form (IPv4-mapped IPv6 as IPv4), or `undefined` if it is none. */
export function normalizeAddress(value: string): string | undefined {
  let address = value.trim()
  // RFC 7239 §6: IPv6 in brackets, optionally with a port; IPv4 may carry a port (some proxies add one to XFF too).
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(address)
  if (bracketed?.[1] !== undefined) address = bracketed[1]
  else if (/^[\d.]+:\d{1,5}$/.test(address)) address = address.slice(0, address.indexOf(':'))
  const family = isIP(address)
  if (family === 4) return address
  if (family !== 6) return undefined
  const lower = address.toLowerCase()
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower)
  return mapped?.[1] !== undefined ? mapped[1] : lower
}

function isTrusted(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')
}

/** The `for=` values of an RFC 7239 `Forwarded` header, in order (client first). */
function forwardedFor(value: string): string[] {
  const hops: string[] = []
  for (const element of value.split(',')) {
    for (const pair of element.split(';')) {
      const equals = pair.indexOf('=')
      if (equals === -1 || pair.slice(0, equals).trim().toLowerCase() !== 'for') continue
      hops.push(pair.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1'))
    }
  }
  return hops
}

/**
 * Builds the resolver of the client address. With no trusted proxy the answer is the socket peer, whatever
 * the headers say. Otherwise the forwarding chain is walked from the right (the hop nearest to this server)
 * and the walk stops at the first address that is not a trusted proxy: everything left of it was written by
 * the client and may be forged (catalogue RL-01/RL-05; RFC 7239 §8.1). A trusted proxy that forwarded an
 * unparseable hop (`unknown`, an obfuscated identifier) is itself the answer.
 *
 * @example
 * ```ts
 * const clientAddress = createClientAddressResolver({ trustedProxies: ['10.0.0.0/8'] })
 * clientAddress('10.0.0.5', new Headers({ 'x-forwarded-for': '203.0.113.7' })) // '203.0.113.7'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7239#section-5.2
 */
export function createClientAddressResolver(options: ClientAddressOptions = {}): ClientAddressResolver {
  const trusted = options.trustedProxies ?? []
  if (trusted.length === 0) return (peer) => (peer === undefined ? undefined : normalizeAddress(peer) ?? peer)
  const list = parseTrustedProxies(trusted)
  const header = options.header ?? 'x-forwarded-for'
  return (peer, headers) => {
    if (peer === undefined) return undefined
    let current = normalizeAddress(peer)
    if (current === undefined) return peer
    const value = headers.get(header)
    if (value === null) return current
    const hops = header === 'forwarded' ? forwardedFor(value) : value.split(',')
    for (let index = hops.length - 1, seen = 0; index >= 0 && seen < MAX_HOPS; index--, seen++) {
      if (!isTrusted(list, current)) return current
      const hop = normalizeAddress(hops[index] ?? '')
      if (hop === undefined) return current
      current = hop
    }
    return current
  }
}
