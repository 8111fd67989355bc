import { describe, expect, it } from 'vitest'
import { safeReturnTo } from '../../src/client/return-to.js'

describe('safeReturnTo (RP-15, RFC 9700 §4.11.1)', () => {
  it.each(['/', '/profile', '/notes?page=2', '/a/b#frag', '/%2F%2Fevil.test', '/caf%C3%A9'])('keeps the same-origin path %j', (value) => {
    expect(safeReturnTo(value)).toBe(value)
  })

  it.each([
    'https://evil.test',
    '//evil.test',
    '///evil.test',
    '/\\evil.test',
    '\\\\evil.test',
    'https:evil.test',
    'javascript:alert(1)',
    '%2F%2Fevil.test',
    '/\t/evil.test',
    '/\n/evil.test',
    ' /evil',
    '/.//evil.test',
    'profile',
    '',
    '/' + 'a'.repeat(3000),
  ])('refuses %j', (value) => {
    expect(safeReturnTo(value)).toBe('/')
  })

  it('refuses non-strings and uses the given fallback', () => {
    expect(safeReturnTo(undefined, '/home')).toBe('/home')
    expect(safeReturnTo(['/a'], '/home')).toBe('/home')
  })
})
