import { describe, expect, it } from 'vitest'
import { deriveKeys, seal, signValue, unseal, verifySignedValue } from '../../src/client/seal.js'

const keys = deriveKeys('a-secret-of-at-least-32-characters!!')

describe('seal (AES-256-GCM, HKDF-derived key)', () => {
  it('round-trips and hides the plaintext', () => {
    const sealed = seal(keys.seal, '{"access_token":"at-123"}', 'row-1')
    expect(sealed).not.toContain('at-123')
    expect(unseal(keys.seal, sealed, 'row-1')).toBe('{"access_token":"at-123"}')
  })

  it('refuses another row, a tampered value and another secret', () => {
    const sealed = seal(keys.seal, 'secret', 'row-1')
    expect(unseal(keys.seal, sealed, 'row-2')).toBeUndefined()
    expect(unseal(keys.seal, `${sealed.slice(0, -3)}AAA`, 'row-1')).toBeUndefined()
    expect(unseal(deriveKeys('another-secret-of-at-least-32-chars').seal, sealed, 'row-1')).toBeUndefined()
    expect(unseal(keys.seal, 'v0.abc', 'row-1')).toBeUndefined()
  })

  it('derives independent keys for cookies and sealing', () => {
    expect(keys.cookie.equals(keys.seal)).toBe(false)
  })
})

describe('signed cookie values (HMAC-SHA-256)', () => {
  it('verifies its own values only under the same cookie name', () => {
    const signed = signValue(keys.cookie, 'tessera-rp-session', 'abc')
    expect(verifySignedValue(keys.cookie, 'tessera-rp-session', signed)).toBe('abc')
    expect(verifySignedValue(keys.cookie, 'tessera-rp-tx', signed)).toBeUndefined()
    expect(verifySignedValue(keys.cookie, 'tessera-rp-session', signed.replace('abc', 'abd'))).toBeUndefined()
    expect(verifySignedValue(keys.cookie, 'tessera-rp-session', 'abc')).toBeUndefined()
    expect(verifySignedValue(keys.cookie, 'tessera-rp-session', undefined)).toBeUndefined()
  })
})

describe('clientRedirectResponse', () => {
  it('is a 303 OAuthResponse with the context cookies, no-store and no-referrer', async () => {
    const { createClientContext } = await import('../../src/client/context.js')
    const { clientRedirectResponse } = await import('../../src/client/response.js')
    const ctx = createClientContext({ url: 'https://app.example/login', headers: {} })
    ctx.cookies.push('a=1; Path=/', 'b=2; Path=/')
    const response = clientRedirectResponse(ctx, { status: 303, location: 'https://op.example/authorize' })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('https://op.example/authorize')
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/'])
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
  })
})
