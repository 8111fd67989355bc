import { describe, expect, it } from 'vitest'
import { formatUserCode, generateUserCode, normalizeUserCode, USER_CODE_ALPHABET } from '../../../src/protocol/rfc8628/user-code.js'
import { judgePoll, nextPollInterval } from '../../../src/protocol/rfc8628/polling.js'
import { verificationUriComplete } from '../../../src/protocol/rfc8628/device-authorization.js'

describe('RFC 8628 §6.1 user codes', () => {
  it('draws 8 letters of the base-20 alphabet without vowels, every letter used and none favoured beyond chance', () => {
    expect(USER_CODE_ALPHABET).toBe('BCDFGHJKLMNPQRSTVWXZ')
    const counts = new Map<string, number>()
    const codes = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const code = generateUserCode()
      expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/)
      codes.add(code)
      for (const char of code) counts.set(char, (counts.get(char) ?? 0) + 1)
    }
    // 20^8 values: 2 000 draws practically never collide.
    expect(codes.size).toBe(2000)
    expect(counts.size).toBe(20)
    // 16 000 letters, 800 expected each; a modulo bias of 256 % 20 would put the first letters near 853.
    for (const count of counts.values()) expect(count).toBeGreaterThan(650)
  })

  it('accepts any case, dashes and spaces, and refuses other letters, digits and wrong lengths', () => {
    expect(normalizeUserCode('wdjb-mjht')).toBe('WDJBMJHT')
    expect(normalizeUserCode(' WDJB MJHT ')).toBe('WDJBMJHT')
    expect(normalizeUserCode('W-D-J-B-M-J-H-T')).toBe('WDJBMJHT')
    expect(normalizeUserCode('WDJB-MJHA')).toBeUndefined() // a vowel
    expect(normalizeUserCode('WDJB-MJH1')).toBeUndefined()
    expect(normalizeUserCode('WDJB-MJH')).toBeUndefined()
    expect(normalizeUserCode('WDJB-MJHTT')).toBeUndefined()
    expect(normalizeUserCode('')).toBeUndefined()
    expect(normalizeUserCode('-'.repeat(100) + 'WDJBMJHT')).toBeUndefined()
  })

  it('shows the code as XXXX-XXXX and puts it in verification_uri_complete as user_code', () => {
    const code = normalizeUserCode('wdjbmjht')
    expect(code && formatUserCode(code)).toBe('WDJB-MJHT')
    expect(verificationUriComplete('https://as.example/device', 'WDJB-MJHT')).toBe('https://as.example/device?user_code=WDJB-MJHT')
  })
})

describe('RFC 8628 §3.5 polling', () => {
  it('lets the first poll and polls at the interval through, and answers an early one with 5 s more', () => {
    expect(judgePoll({ lastPolledAt: null, interval: 5 }, 100)).toEqual({ tooSoon: false, next: { lastPolledAt: 100, interval: 5 } })
    expect(judgePoll({ lastPolledAt: 100, interval: 5 }, 105)).toEqual({ tooSoon: false, next: { lastPolledAt: 105, interval: 5 } })
    expect(judgePoll({ lastPolledAt: 100, interval: 5 }, 104)).toEqual({ tooSoon: true, next: { lastPolledAt: 104, interval: 10 } })
    expect(judgePoll({ lastPolledAt: 104, interval: 10 }, 110)).toEqual({ tooSoon: true, next: { lastPolledAt: 110, interval: 15 } })
  })

  it('tells a client how long to wait, and that access_denied and expired_token end the flow', () => {
    expect(nextPollInterval(5, undefined)).toBe(5)
    expect(nextPollInterval(5, 'authorization_pending')).toBe(5)
    expect(nextPollInterval(5, 'slow_down')).toBe(10)
    expect(() => nextPollInterval(5, 'access_denied')).toThrow(/access_denied/)
    expect(() => nextPollInterval(5, 'expired_token')).toThrow(/expired_token/)
  })
})
