import { describe, expect, it } from 'vitest'
import { isValidS256Challenge, verifyS256 } from '../../../src/protocol/rfc7636/pkce.js'

describe('PKCE S256 (RFC 7636 §4.6)', () => {
  // RFC 7636 Appendix B test vector.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
  it('verifies the RFC test vector', () => {
    expect(verifyS256(verifier, challenge)).toBe(true)
    expect(isValidS256Challenge(challenge)).toBe(true)
  })
  it('rejects a wrong or malformed verifier', () => {
    expect(verifyS256(`${verifier.slice(1)}A`, challenge)).toBe(false)
    expect(verifyS256('short', challenge)).toBe(false)
    expect(verifyS256(`${verifier}!`, challenge)).toBe(false)
  })
})
