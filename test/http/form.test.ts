import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formEntries, formParameters, Parameters } from '../../src/http/form.js'

function request(body: string | Uint8Array, type = 'application/x-www-form-urlencoded') {
  return { method: 'POST', url: new URL('http://x/'), headers: new Headers({ 'content-type': type }), body: typeof body === 'string' ? new TextEncoder().encode(body) : body }
}

describe('form parameters (RFC 6749 §3.1, Appendix B)', () => {
  it('parses and refuses repeats on access', () => {
    const params = formParameters(request('a=1&b=x+y&a=2'))
    expect(params.get('b')).toBe('x y')
    expect(() => params.get('a')).toThrow(/repeated/)
    expect(params.repeated()).toEqual(['a'])
  })
  it('treats empty values as absent', () => {
    expect(new Parameters([['a', '']]).get('a')).toBeUndefined()
  })
  it('refuses other content types and invalid UTF-8', () => {
    expect(() => formParameters(request('{}', 'application/json'))).toThrow(/Content-Type/)
    expect(() => formParameters(request(new Uint8Array([0x61, 0x3d, 0xff])))).toThrow(/UTF-8/)
  })
  it('accepts a charset parameter', () => {
    expect(formParameters(request('a=1', 'application/x-www-form-urlencoded; charset=UTF-8')).get('a')).toBe('1')
  })
})

describe('formEntries', () => {
  it('gives what URLSearchParams gives, for bodies with and without anything to decode', () => {
    const piece = fc.constantFrom('&', '=', '&&', '==', '%', '%41', '%zz', '%E2%82%AC', '%FF', '+', 'a', 'token', 'eyJ.x-y_z', 'é', '€', ' ', '')
    fc.assert(fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
      const text = pieces.join('')
      expect([...formEntries(text)]).toEqual([...new URLSearchParams(text)])
    }), { seed: 20261129, numRuns: 2_000 })
  })
})
