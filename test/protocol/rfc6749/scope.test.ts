import { describe, expect, it } from 'vitest'
import { isSubset, parseScope } from '../../../src/protocol/rfc6749/scope.js'

describe('parseScope (RFC 6749 §3.3)', () => {
  it('splits, drops empties and duplicates', () => {
    expect(parseScope('openid  profile openid')).toEqual(['openid', 'profile'])
  })
  it('refuses characters outside scope-token', () => {
    expect(() => parseScope('openid "x"')).toThrow(/Malformed/)
    expect(() => parseScope('a\\b')).toThrow()
  })
  it('compares as sets', () => {
    expect(isSubset(['b', 'a'], ['a', 'b', 'c'])).toBe(true)
    expect(isSubset(['d'], ['a'])).toBe(false)
  })
})
