import { describe, expect, it } from 'vitest'
import { decodeBase32, encodeBase32 } from '../../../src/protocol/rfc6238/base32.js'
import { otpauthUri } from '../../../src/protocol/rfc6238/otpauth-uri.js'
import { hotp, matchTotpStep, totp } from '../../../src/protocol/rfc6238/totp.js'

const SHA1_KEY = Buffer.from('12345678901234567890')
const SHA256_KEY = Buffer.from('12345678901234567890123456789012')
const SHA512_KEY = Buffer.from('1234567890123456789012345678901234567890123456789012345678901234')

describe('RFC 4226 HOTP', () => {
  it('matches the Appendix D test values', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489']
    expect(expected.map((_, counter) => hotp(SHA1_KEY, counter))).toEqual(expected)
  })
})

describe('RFC 6238 TOTP', () => {
  // Appendix B: 8 digits, 30-second steps, one seed per hash.
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ]
  it.each(vectors)('matches Appendix B at T=%i', (time, sha1, sha256, sha512) => {
    expect(totp(SHA1_KEY, time, { digits: 8 })).toBe(sha1)
    expect(totp(SHA256_KEY, time, { digits: 8, algorithm: 'sha256' })).toBe(sha256)
    expect(totp(SHA512_KEY, time, { digits: 8, algorithm: 'sha512' })).toBe(sha512)
  })

  it('accepts one step of drift either side and no more (RFC 6238 §5.2)', () => {
    const now = 1_700_000_000
    const step = Math.floor(now / 30)
    for (const drift of [-1, 0, 1]) expect(matchTotpStep(SHA1_KEY, hotp(SHA1_KEY, step + drift), now)).toBe(step + drift)
    for (const drift of [-2, 2]) expect(matchTotpStep(SHA1_KEY, hotp(SHA1_KEY, step + drift), now)).toBeUndefined()
  })

  it('refuses anything but six digits', () => {
    const now = 1_700_000_000
    expect(matchTotpStep(SHA1_KEY, ` ${totp(SHA1_KEY, now)}`, now)).toBeUndefined()
    expect(matchTotpStep(SHA1_KEY, totp(SHA1_KEY, now, { digits: 8 }), now)).toBeUndefined()
  })
})

describe('base32 and otpauth URIs', () => {
  it('round-trips RFC 4648 §10 values', () => {
    expect(encodeBase32(Buffer.from('foobar'))).toBe('MZXW6YTBOI')
    expect(Buffer.from(decodeBase32('mzxw 6ytb oi======') ?? []).toString()).toBe('foobar')
    expect(decodeBase32('MZXW1')).toBeUndefined()
  })

  it('writes the Key Uri Format', () => {
    const uri = new URL(otpauthUri({ issuer: 'Tessera', account: 'alice', secret: Buffer.from('foobar') }))
    expect(uri.protocol).toBe('otpauth:')
    expect(uri.host + decodeURIComponent(uri.pathname)).toBe('totp/Tessera:alice')
    expect(Object.fromEntries(uri.searchParams)).toEqual({ secret: 'MZXW6YTBOI', issuer: 'Tessera', algorithm: 'SHA1', digits: '6', period: '30' })
  })
})
