import { describe, expect, it } from 'vitest'
import { Parameters } from '../../../src/http/form.js'
import {
  assertionTypeProblem, checkAssertionClaims, DEFAULT_ASSERTION_POLICY, JWT_BEARER_ASSERTION_TYPE, readClientAssertion,
} from '../../../src/protocol/rfc7523/client-assertion.js'

const NOW = 1_800_000_000
const ISSUER = 'https://as.example'
const TOKEN = 'https://as.example/token'
const expected = { clientId: 'c1', issuer: ISSUER, tokenEndpoint: TOKEN, now: NOW }
const claims = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({ iss: 'c1', sub: 'c1', aud: ISSUER, jti: 'j1', iat: NOW, exp: NOW + 60, ...overrides })
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

describe('checkAssertionClaims (RFC 7523 §3, 7523bis §4)', () => {
  it('accepts the issuer as the single audience and returns the jti to remember until exp', () => {
    expect(checkAssertionClaims(claims(), expected)).toEqual({ jti: 'j1', exp: NOW + 60 })
  })

  it('refuses the token endpoint and arrays by default, accepts them with legacyAudiences', () => {
    const legacy = { ...DEFAULT_ASSERTION_POLICY, legacyAudiences: true }
    for (const aud of [TOKEN, [ISSUER], [TOKEN, 'https://other.example']]) {
      expect(checkAssertionClaims(claims({ aud }), expected)).toBeTypeOf('string')
      expect(checkAssertionClaims(claims({ aud }), expected, legacy)).toMatchObject({ jti: 'j1' })
    }
    // Even the legacy switch never accepts another server's audience.
    expect(checkAssertionClaims(claims({ aud: ['https://other.example'] }), expected, legacy)).toBeTypeOf('string')
    expect(checkAssertionClaims(claims({ aud: `${ISSUER}/` }), expected, legacy)).toBeTypeOf('string')
  })

  it('bounds the lifetime by maxLifetimeSeconds plus the skew, and the skew by clockSkewSeconds', () => {
    expect(checkAssertionClaims(claims({ exp: NOW + 360 }), expected)).toMatchObject({ jti: 'j1' })
    expect(checkAssertionClaims(claims({ exp: NOW + 361 }), expected)).toMatch(/longer than 300/)
    expect(checkAssertionClaims(claims({ exp: NOW - 59 }), expected)).toMatchObject({ jti: 'j1' })
    expect(checkAssertionClaims(claims({ exp: NOW - 60 }), expected)).toMatch(/expired/)
    expect(checkAssertionClaims(claims({ iat: NOW + 61 }), expected)).toMatch(/future/)
    expect(checkAssertionClaims(claims({ nbf: NOW + 61 }), expected)).toMatch(/nbf/)
    expect(checkAssertionClaims(claims({ jti: '' }), expected)).toMatch(/jti/)
  })
})

describe('assertionTypeProblem (7523bis §4, RFC 8725 §3.11)', () => {
  it('accepts client-authentication+jwt, JWT and no typ, in any case and with application/', () => {
    for (const typ of [undefined, 'JWT', 'jwt', 'client-authentication+jwt', 'application/client-authentication+jwt']) expect(assertionTypeProblem(typ)).toBeUndefined()
    for (const typ of ['dpop+jwt', 'at+jwt', 42]) expect(assertionTypeProblem(typ)).toBeTypeOf('string')
  })
})

describe('readClientAssertion (RFC 7521 §4.2)', () => {
  const assertion = `${b64({ alg: 'ES256' })}.${b64(claims())}.c2ln`
  const read = (params: Record<string, string>, headers: Record<string, string> = {}) => readClientAssertion(new Headers(headers), new Parameters(Object.entries(params)))

  it('names the client by sub, the header alg, and leaves other requests alone', () => {
    expect(read({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion })).toEqual({ assertion, clientId: 'c1', alg: 'ES256' })
    expect(read({ client_id: 'c1' })).toBeUndefined()
  })

  it('refuses a wrong type, a client_id naming another client, and a second method', () => {
    expect(() => read({ client_assertion_type: 'urn:other', client_assertion: assertion })).toThrow(/client_assertion_type/)
    expect(() => read({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion, client_id: 'c2' })).toThrow(/client_id/)
    expect(() => read({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion }, { authorization: 'Basic YTpi' })).toThrow(/one client authentication/)
    expect(() => read({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: 'not.a.jwt!' })).toThrow(/compact/)
  })
})
