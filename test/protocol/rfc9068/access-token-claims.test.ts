import { describe, expect, it } from 'vitest'
import type { OAuthError } from '../../../src/errors.js'
import {
  MAX_CLOCK_TOLERANCE,
  REQUIRED_ACCESS_TOKEN_CLAIMS,
  validateAccessTokenClaims,
  type AccessTokenClaimRules,
} from '../../../src/protocol/rfc9068/access-token-claims.js'

const ISSUER = 'https://as.example.com'
const AUDIENCE = 'https://api.example.com'
const NOW = 1_700_000_000

const rules = (overrides: Partial<AccessTokenClaimRules> = {}): AccessTokenClaimRules => ({ issuer: ISSUER, audience: AUDIENCE, clockTolerance: 30, now: NOW, ...overrides })

function payload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = { iss: ISSUER, sub: 'alice', aud: AUDIENCE, client_id: 'app', scope: 'notes:read notes:write', jti: 'j1', iat: NOW, exp: NOW + 300 }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[name]
    else base[name] = value
  }
  return base
}

function refusal(claims: Record<string, unknown>, given: AccessTokenClaimRules = rules()): OAuthError {
  try {
    validateAccessTokenClaims(claims, given)
  } catch (error) {
    return error as OAuthError
  }
  throw new Error('expected invalid_token')
}

describe('validateAccessTokenClaims (RFC 9068 §4)', () => {
  it('returns the claims and the parsed scopes of a valid token', () => {
    const { claims, scopes } = validateAccessTokenClaims(payload({ extra: 1 }), rules())
    expect(claims).toMatchObject({ iss: ISSUER, sub: 'alice', client_id: 'app', jti: 'j1', exp: NOW + 300, extra: 1 })
    expect(scopes).toEqual(['notes:read', 'notes:write'])
  })

  it.each(REQUIRED_ACCESS_TOKEN_CLAIMS.map((claim) => [claim]))('refuses a token without %s (§2.2)', (claim) => {
    const error = refusal(payload({ [claim]: undefined }))
    expect(error.error).toBe('invalid_token')
    expect(error.detail).toMatch(new RegExp(`^${claim} is missing`))
  })

  it.each([
    ['another issuer', { iss: 'https://evil.example.com' }],
    ['the issuer with a trailing slash', { iss: `${ISSUER}/` }],
  ])('refuses iss of %s: compared exactly (§4 step 2)', (_name, overrides) => {
    expect(refusal(payload(overrides)).error).toBe('invalid_token')
  })

  it('accepts aud as a string or an array containing this API (§4 step 3)', () => {
    expect(validateAccessTokenClaims(payload({ aud: [ 'https://other.example.com', AUDIENCE ] }), rules()).claims.aud).toEqual(['https://other.example.com', AUDIENCE])
  })
  it.each([
    ['another API', { aud: 'https://other.example.com' }],
    ['an array without this API', { aud: ['https://other.example.com'] }],
    ['a number', { aud: 1 }],
    ['an array of non-strings', { aud: [AUDIENCE, 1] }],
  ])('refuses aud of %s (§4 step 3)', (_name, overrides) => {
    expect(refusal(payload(overrides)).error).toBe('invalid_token')
  })
  it('checks aud only when given an audience (the authorization server answers for any resource)', () => {
    expect(validateAccessTokenClaims(payload({ aud: 'https://other.example.com' }), rules({ audience: undefined })).claims.sub).toBe('alice')
    expect(refusal(payload({ aud: 1 }), rules({ audience: undefined })).error).toBe('invalid_token')
  })

  it('refuses exp at or beyond the clock tolerance and allows it within (§4 step 6)', () => {
    expect(validateAccessTokenClaims(payload({ exp: NOW - 29 }), rules()).claims.exp).toBe(NOW - 29)
    expect(refusal(payload({ exp: NOW - 30 })).detail).toMatch(/exp/)
    expect(refusal(payload({ exp: NOW }), rules({ clockTolerance: 0 })).detail).toMatch(/exp/)
    expect(refusal(payload({ exp: String(NOW + 300) })).detail).toMatch(/exp/)
  })
  it('refuses nbf beyond the clock tolerance, and an nbf that is not a number', () => {
    expect(validateAccessTokenClaims(payload({ nbf: NOW + 30 }), rules()).claims.sub).toBe('alice')
    expect(refusal(payload({ nbf: NOW + 31 })).detail).toMatch(/nbf/)
    expect(refusal(payload({ nbf: 'soon' })).detail).toMatch(/nbf/)
  })
  it('refuses iat in the future beyond the clock tolerance, also with no tolerance at all', () => {
    expect(validateAccessTokenClaims(payload({ iat: NOW + 30 }), rules()).claims.sub).toBe('alice')
    expect(refusal(payload({ iat: NOW + 31 })).detail).toMatch(/iat is in the future/)
    expect(refusal(payload({ iat: NOW + 1 }), rules({ clockTolerance: 0 })).detail).toMatch(/iat is in the future/)
    expect(refusal(payload({ iat: String(NOW) })).detail).toMatch(/iat/)
  })
  it('refuses a clock tolerance beyond the bound as a programming error', () => {
    expect(() => validateAccessTokenClaims(payload(), rules({ clockTolerance: MAX_CLOCK_TOLERANCE + 1 }))).toThrow(RangeError)
    expect(() => validateAccessTokenClaims(payload(), rules({ clockTolerance: -1 }))).toThrow(RangeError)
  })

  it.each([
    ['an empty sub', { sub: '' }],
    ['a numeric sub', { sub: 42 }],
    ['an empty client_id', { client_id: '' }],
    ['a numeric client_id', { client_id: 7 }],
    ['a numeric jti', { jti: 7 }],
  ])('refuses %s (§2.2)', (_name, overrides) => {
    expect(refusal(payload(overrides)).error).toBe('invalid_token')
  })

  it('reads a token without scope as granting none', () => {
    expect(validateAccessTokenClaims(payload({ scope: undefined }), rules()).scopes).toEqual([])
  })
  it.each([
    ['an array', { scope: ['notes:read'] }],
    ['a string with a character outside RFC 6749 §3.3', { scope: 'notes:read "quoted"' }],
  ])('refuses scope of %s with invalid_token, not invalid_scope', (_name, overrides) => {
    expect(refusal(payload(overrides)).error).toBe('invalid_token')
  })
})
