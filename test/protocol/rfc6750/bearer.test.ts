import { describe, expect, it } from 'vitest'
import { extractBearerToken } from '../../../src/protocol/rfc6750/bearer.js'
import { bearerChallenge } from '../../../src/protocol/rfc6750/challenge.js'
import { OAuthError } from '../../../src/errors.js'

describe('extractBearerToken (RFC 6750 §2)', () => {
  it('reads the header with any scheme case', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) expect(extractBearerToken({ authorization: `${scheme} abc.def-_~+/=` })).toBe('abc.def-_~+/=')
  })
  it('returns undefined when no token was sent, or only in the query', () => {
    expect(extractBearerToken({ authorization: null })).toBeUndefined()
    expect(extractBearerToken({ authorization: null, queryToken: true })).toBeUndefined()
  })
  it.each([
    [{ authorization: 'Bearer' }, 'invalid_request'],
    [{ authorization: 'Bearer a b' }, 'invalid_token'],
    [{ authorization: 'Basic YTpi' }, 'invalid_request'],
    [{ authorization: 'Bearer abc', formToken: 'abc' }, 'invalid_request'],
    [{ authorization: 'Bearer abc', queryToken: true }, 'invalid_request'],
    [{ authorization: `Bearer ${'a'.repeat(100_000)}` }, 'invalid_token'],
  ])('refuses %j with %s', (sources, error) => {
    expect(() => extractBearerToken(sources)).toThrow(expect.objectContaining({ error }))
  })
})

describe('bearerChallenge (RFC 6750 §3)', () => {
  it('has no error code when no token was sent', () => {
    expect(bearerChallenge({ realm: 'r' })).toBe('Bearer realm="r"')
  })
  it('quotes error, description (with RFC 6749 §5.2 characters only) and scope', () => {
    const error = new OAuthError('insufficient_scope', 'needs "notes"')
    expect(bearerChallenge({ realm: 'r', error, scope: 'notes:read' })).toBe('Bearer realm="r", error="insufficient_scope", error_description="needs  notes ", scope="notes:read"')
  })
})
