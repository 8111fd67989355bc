import { describe, expect, it } from 'vitest'
import { documentLifetime } from '../../../src/protocol/cimd/cache-lifetime.js'

const bounds = { minSeconds: 300, maxSeconds: 86_400, defaultSeconds: 3600 }

describe('metadata document cache lifetime (RFC 9111 §5.2.2 within bounds)', () => {
  it.each([
    [null, 3600],
    ['', 3600],
    ['max-age=1200', 1200],
    ['public, max-age=7200', 7200],
    ['max-age="900"', 900],
    ['max-age=60', 300],
    ['max-age=0', 300],
    ['max-age=31536000', 86_400],
    ['no-store', 300],
    ['no-cache, max-age=7200', 300],
    ['NO-STORE', 300],
    ['max-age=abc', 3600],
    ['max-age=-5', 3600],
  ])('Cache-Control %s → %i seconds', (header, seconds) => {
    expect(documentLifetime(header, bounds)).toBe(seconds)
  })
})
