import { describe, expect, it } from 'vitest'
import { looksLikeCompactJws } from '../../src/jwt/shape.js'

describe('looksLikeCompactJws (RFC 7515 §7.1)', () => {
  it.each([
    ['three segments', 'aGVhZGVy.cGF5bG9hZA.c2lnbmF0dXJl'],
    ['an empty signature (unsecured JWS, refused later by the verifier)', 'aGVhZGVy.cGF5bG9hZA.'],
    ['segments in standard or padded base64 (refused later by the JWS parser)', 'aGV+ZGVy.cGF/bG9hZA==.c2ln=='],
  ])('takes %s for a JWS', (_name, token) => {
    expect(looksLikeCompactJws(token)).toBe(true)
  })
  it.each([
    ['an opaque token', 'q1w2e3r4t5y6u7i8o9p0-_AbCdEfGhIjKlMnOpQrStU'],
    ['two segments', 'aGVhZGVy.cGF5bG9hZA'],
    ['four segments (a JWE has five, PASETO four)', 'a.b.c.d'],
    ['an empty header', '.cGF5bG9hZA.c2ln'],
    ['an empty payload', 'aGVhZGVy..c2ln'],
    ['only dots', '..'],
    ['an empty string', ''],
  ])('does not take %s for a JWS', (_name, token) => {
    expect(looksLikeCompactJws(token)).toBe(false)
  })
})
