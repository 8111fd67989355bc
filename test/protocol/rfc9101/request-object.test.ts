import { describe, expect, it } from 'vitest'
import { checkRequestObjectClaims, MAX_REQUEST_OBJECT_LIFETIME_SECONDS, requestObjectTypeProblem } from '../../../src/protocol/rfc9101/request-object.js'

const NOW = 1_800_000_000
const CONTEXT = { clientId: 'app', issuer: 'https://as.example', now: NOW, clockSkewSeconds: 5 }
const VALID = { iss: 'app', aud: 'https://as.example', client_id: 'app', exp: NOW + 300, iat: NOW, jti: 'j-1', response_type: 'code', scope: 'openid' }

describe('checkRequestObjectClaims (RFC 9101 §4, §6.3)', () => {
  it('turns the claims into the request: strings, numbers as text, string arrays repeated, objects as JSON; JWT claims dropped', () => {
    const checked = checkRequestObjectClaims({ ...VALID, max_age: 60, resource: ['https://a.example', 'https://b.example'], claims: { userinfo: { email: null } } }, CONTEXT)
    if (typeof checked === 'string') throw new Error(checked)
    expect(checked.jti).toBe('j-1')
    expect(checked.exp).toBe(NOW + 300)
    expect(checked.parameters).toEqual([
      ['client_id', 'app'], ['response_type', 'code'], ['scope', 'openid'], ['max_age', '60'],
      ['resource', 'https://a.example'], ['resource', 'https://b.example'], ['claims', '{"userinfo":{"email":null}}'],
    ])
  })

  it('accepts aud as an array holding the issuer', () => {
    expect(typeof checkRequestObjectClaims({ ...VALID, aud: ['https://other.example', 'https://as.example'] }, CONTEXT)).toBe('object')
  })

  it.each([
    ['iss of another client', { iss: 'other' }, 'iss is not the client'],
    ['aud of another server', { aud: 'https://other.example' }, 'aud is not this issuer'],
    ['client_id claim of another client', { client_id: 'other' }, 'client_id claim differs from the client_id parameter'],
    ['no exp', { exp: undefined }, 'exp missing'],
    ['expired beyond the skew', { exp: NOW - 6 }, 'expired'],
    ['exp beyond the bound', { exp: NOW + MAX_REQUEST_OBJECT_LIFETIME_SECONDS + 6 }, 'exp too far in the future'],
    ['nbf in the future', { nbf: NOW + 60 }, 'not yet valid'],
    ['nbf too long before exp', { nbf: NOW - MAX_REQUEST_OBJECT_LIFETIME_SECONDS }, 'nbf too long before exp'],
    ['an empty jti', { jti: '' }, 'jti is not a string'],
    ['a nested request', { request: 'x.y.z' }, 'nested request or request_uri'],
    ['a nested request_uri', { request_uri: 'https://x.example/ro' }, 'nested request or request_uri'],
  ])('refuses %s', (_label, overrides, problem) => {
    expect(checkRequestObjectClaims({ ...VALID, ...overrides }, CONTEXT)).toBe(problem)
  })
})

describe('requestObjectTypeProblem (RFC 9101 §4, §10.8)', () => {
  it.each([undefined, 'oauth-authz-req+jwt', 'application/oauth-authz-req+jwt', 'JWT'])('accepts typ %s', (typ) => {
    expect(requestObjectTypeProblem(typ)).toBeUndefined()
  })
  it.each(['client-authentication+jwt', 'dpop+jwt', 'at+jwt', 42])('refuses typ %s', (typ) => {
    expect(requestObjectTypeProblem(typ)).toBeTypeOf('string')
  })
})
