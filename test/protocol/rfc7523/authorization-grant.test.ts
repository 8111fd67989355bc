import { describe, expect, it } from 'vitest'
import { checkGrantAssertionClaims, grantAssertionKind, type ExpectedGrantAssertion } from '../../../src/protocol/rfc7523/authorization-grant.js'

const NOW = 1_900_000_000
const expected: ExpectedGrantAssertion = { audience: 'https://as.test', issuer: 'https://idp.test', clientId: 'wiki', now: NOW, kind: 'jwt' }
const policy = { maxLifetimeSeconds: 300, clockSkewSeconds: 60 }
const valid = { iss: 'https://idp.test', sub: 'u1', aud: 'https://as.test', jti: 'j1', iat: NOW, exp: NOW + 60 }

describe('grantAssertionKind (RFC 8725 §3.11)', () => {
  it('tells a plain grant from an ID-JAG and refuses JWTs of other purposes', () => {
    expect(grantAssertionKind(undefined)).toBe('jwt')
    expect(grantAssertionKind('JWT')).toBe('jwt')
    expect(grantAssertionKind('application/oauth-id-jag+jwt')).toBe('id-jag')
    for (const typ of ['client-authentication+jwt', 'at+jwt', 'dpop+jwt', 42]) expect(grantAssertionKind(typ)).toMatch(/typ/)
  })
})

describe('checkGrantAssertionClaims (RFC 7523 §3)', () => {
  it('accepts a valid assertion and returns its subject, jti and exp', () => {
    expect(checkGrantAssertionClaims(valid, expected, policy)).toMatchObject({ subject: 'u1', jti: 'j1', exp: NOW + 60, scopes: undefined })
  })

  it('tolerates the clock skew on exp, and no more', () => {
    expect(typeof checkGrantAssertionClaims({ ...valid, iat: NOW - 100, exp: NOW - 30 }, expected, policy)).toBe('object')
    expect(checkGrantAssertionClaims({ ...valid, iat: NOW - 100, exp: NOW - 60 }, expected, policy)).toBe('the assertion has expired')
  })

  it('bounds the lifetime from iat, or from now without iat', () => {
    expect(checkGrantAssertionClaims({ ...valid, exp: NOW + 400 }, expected, policy)).toMatch(/longer than 300/)
    expect(checkGrantAssertionClaims({ ...valid, iat: undefined, exp: NOW + 400 }, expected, policy)).toMatch(/longer than 300/)
  })

  it('needs iat, client_id of the client and well-formed scope and resource in an ID-JAG', () => {
    const jag = { ...expected, kind: 'id-jag' as const }
    expect(checkGrantAssertionClaims({ ...valid, client_id: 'wiki', scope: 'a b', resource: 'https://api.test' }, jag, policy)).toMatchObject({ scopes: ['a', 'b'], resources: ['https://api.test'] })
    expect(checkGrantAssertionClaims({ ...valid, client_id: 'wiki', iat: undefined }, jag, policy)).toMatch(/iat/)
    expect(checkGrantAssertionClaims({ ...valid, client_id: 'chat' }, jag, policy)).toMatch(/client_id/)
    expect(checkGrantAssertionClaims({ ...valid, client_id: 'wiki', scope: 'a "b' }, jag, policy)).toMatch(/scope/)
    expect(checkGrantAssertionClaims({ ...valid, client_id: 'wiki', resource: ['https://api.test#x'] }, jag, policy)).toMatch(/resource/)
  })
})
