import { describe, expect, it } from 'vitest'
import { VerificationCache } from '../../src/cache/verification-cache.js'

describe('VerificationCache', () => {
  it('serves an entry until its deadline and not at or after it', () => {
    let clock = 1000
    const cache = new VerificationCache<string>(10, () => clock)
    cache.set('token', 'principal', 1010)
    clock = 1009
    expect(cache.get('token')).toBe('principal')
    clock = 1010
    expect(cache.get('token')).toBeUndefined()
    expect(cache.size).toBe(0)
  })
  it('does not store what is already expired', () => {
    const cache = new VerificationCache<string>(10, () => 1000)
    cache.set('token', 'principal', 1000)
    expect(cache.size).toBe(0)
  })
  it('evicts the least recently used entry beyond its bound', () => {
    const cache = new VerificationCache<string>(2, () => 0)
    cache.set('a', 'A', 10)
    cache.set('b', 'B', 10)
    expect(cache.get('a')).toBe('A')
    cache.set('c', 'C', 10)
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toBe('A')
    expect(cache.get('c')).toBe('C')
    expect(cache.size).toBe(2)
  })
  it('stores nothing with a bound of 0, and forgets on delete and clear', () => {
    const none = new VerificationCache<string>(0, () => 0)
    none.set('a', 'A', 10)
    expect(none.size).toBe(0)
    const cache = new VerificationCache<string>(10, () => 0)
    cache.set('a', 'A', 10)
    cache.set('b', 'B', 10)
    expect(cache.delete('a')).toBe(true)
    expect(cache.get('a')).toBeUndefined()
    cache.clear()
    expect(cache.size).toBe(0)
  })
})

describe('VerificationCache keys', () => {
  const signature = 'S'.repeat(86)
  it('serves a JWS only with the same header and payload as the signature it was stored under', () => {
    const cache = new VerificationCache<string>(10, () => 0)
    cache.set(`h.p.${signature}`, 'P', 10)
    expect(cache.get(`h.p.${signature}`)).toBe('P')
    expect(cache.get(`h.q.${signature}`)).toBeUndefined()
    expect(cache.get(`h.p.${signature}x`)).toBeUndefined()
    expect(cache.get(`h.p.q.${signature}`)).toBeUndefined()
    expect(cache.delete(`h.q.${signature}`)).toBe(false)
    expect(cache.get(`h.p.${signature}`)).toBe('P')
  })
  it('tells apart tokens of other shapes by their whole value', () => {
    const cache = new VerificationCache<string>(10, () => 0)
    cache.set('h.p.short', 'short', 10)
    cache.set(signature, 'opaque', 10)
    cache.set(`.${signature}`, 'dot', 10)
    expect(cache.get('h.q.short')).toBeUndefined()
    expect(cache.get('h.p.short')).toBe('short')
    expect(cache.get(signature)).toBe('opaque')
    expect(cache.get(`.${signature}`)).toBe('dot')
    expect(cache.get(`x.${signature}`)).toBeUndefined()
  })
})
