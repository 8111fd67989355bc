import { describe, expect, it } from 'vitest'
import { OAuthError } from '../../../src/errors.js'
import {
  activeIntrospectionResponse,
  INACTIVE_TOKEN,
  validateIntrospectionResponse,
  type IntrospectionResponseRules,
} from '../../../src/protocol/rfc7662/introspection-response.js'

const ISSUER = 'https://as.example.com'
const AUDIENCE = 'https://api.example.com'
const NOW = 1_700_000_000
const RULES: IntrospectionResponseRules = { issuer: ISSUER, audience: AUDIENCE, clockTolerance: 30, now: NOW }

function answer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = { active: true, token_type: 'Bearer', iss: ISSUER, aud: AUDIENCE, sub: 'bob', client_id: 'app', scope: 'notes:read', exp: NOW + 300 }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[name]
    else base[name] = value
  }
  return base
}

function refusal(body: unknown, rules = RULES): OAuthError {
  try {
    validateIntrospectionResponse(body, rules)
  } catch (error) {
    if (error instanceof OAuthError) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('activeIntrospectionResponse (RFC 7662 §2.2)', () => {
  it('lists active first and the members in a stable order, jti only when given', () => {
    const token = { token_type: 'Bearer', scope: 'a b', client_id: 'app', sub: 'alice', aud: AUDIENCE, iss: ISSUER, exp: NOW + 60, iat: NOW }
    expect(JSON.stringify(activeIntrospectionResponse({ ...token, jti: 'j' }))).toBe(
      `{"active":true,"token_type":"Bearer","scope":"a b","client_id":"app","sub":"alice","aud":"${AUDIENCE}","iss":"${ISSUER}","exp":${NOW + 60},"iat":${NOW},"jti":"j"}`,
    )
    expect(activeIntrospectionResponse(token)).not.toHaveProperty('jti')
  })
  it('answers an inactive token with active: false alone, and that answer cannot be altered', () => {
    expect(INACTIVE_TOKEN).toEqual({ active: false })
    expect(Object.isFrozen(INACTIVE_TOKEN)).toBe(true)
  })
  it('builds answers the resource-server validator accepts', () => {
    const built = activeIntrospectionResponse({ token_type: 'Bearer', scope: 'notes:read', client_id: 'app', sub: 'bob', aud: [AUDIENCE], iss: ISSUER, exp: NOW + 60, iat: NOW, jti: 'j' })
    expect(validateIntrospectionResponse(built, RULES).scopes).toEqual(['notes:read'])
    const refresh = activeIntrospectionResponse({ token_type: 'refresh_token', scope: 'notes:read', client_id: 'app', sub: 'bob', aud: AUDIENCE, iss: ISSUER, exp: NOW + 60, iat: NOW })
    expect(refusal(refresh).error).toBe('invalid_token')
  })
})

describe('validateIntrospectionResponse (RFC 7662 §2.2)', () => {
  it('returns the answer, the parsed scopes and exp as the deadline', () => {
    const { response, scopes, expiresAt } = validateIntrospectionResponse(answer(), RULES)
    expect(response).toMatchObject({ sub: 'bob', client_id: 'app' })
    expect(scopes).toEqual(['notes:read'])
    expect(expiresAt).toBe(NOW + 300)
  })
  it('has no deadline for an answer without exp, and accepts token_type access_token or none', () => {
    expect(validateIntrospectionResponse(answer({ exp: undefined }), RULES).expiresAt).toBe(Infinity)
    expect(validateIntrospectionResponse(answer({ token_type: 'access_token' }), RULES).scopes).toEqual(['notes:read'])
    expect(validateIntrospectionResponse(answer({ token_type: 'bearer' }), RULES).scopes).toEqual(['notes:read'])
    expect(validateIntrospectionResponse(answer({ token_type: undefined }), RULES).scopes).toEqual(['notes:read'])
  })
  it('accepts an answer without iss (the member is optional) and aud as an array', () => {
    expect(validateIntrospectionResponse(answer({ iss: undefined, aud: ['x', AUDIENCE] }), RULES).response.sub).toBe('bob')
  })
  it.each([
    ['inactive', { active: false }],
    ['active as a string', { active: 'true' }],
    ['a refresh token', { token_type: 'refresh_token' }],
    ['a token_type that is not a string', { token_type: 1 }],
    ['another audience', { aud: 'http://127.0.0.1:7000/api' }],
    ['no audience', { aud: undefined }],
    ['another issuer', { iss: 'http://127.0.0.1:9' }],
    ['an exp in the past', { exp: NOW - 120 }],
    ['an exp at the edge of the tolerance', { exp: NOW - 30 }],
    ['an exp that is not a number', { exp: String(NOW + 300) }],
    ['an nbf in the future', { nbf: NOW + 120 }],
    ['no sub', { sub: undefined }],
    ['an empty client_id', { client_id: '' }],
    ['a scope that is not a string', { scope: ['notes:read'] }],
    ['a malformed scope', { scope: 'notes:read "x"' }],
  ])('refuses %s with invalid_token', (_name, overrides) => {
    expect(refusal(answer(overrides)).error).toBe('invalid_token')
  })
  it('allows exp and nbf within the clock tolerance', () => {
    expect(validateIntrospectionResponse(answer({ exp: NOW - 29, nbf: NOW + 30 }), RULES).response.sub).toBe('bob')
  })
  it.each([['null', null], ['an array', [answer()]], ['a string', 'active']])('answers temporarily_unavailable for a body that is %s', (_name, body) => {
    expect(refusal(body).error).toBe('temporarily_unavailable')
  })
})
