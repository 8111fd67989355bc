import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type * as verifyModule from '../../src/jwt/verify.js'
import { verifyJwt } from '../../src/jwt/verify.js'
import { VerificationCache } from '../../src/resource/cache.js'
import { createResourceServer } from '../../src/resource/index.js'
import { AUDIENCE, FakeAuthorizationServer, accessToken, bearer, generateKey, nowSeconds, type TestKey } from './fixtures.js'

// Counts signature verifications while keeping the real one.
vi.mock('../../src/jwt/verify.js', async (importOriginal) => {
  const original = await importOriginal<typeof verifyModule>()
  return { ...original, verifyJwt: vi.fn(original.verifyJwt) }
})

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

describe('verification cache of the resource server', () => {
  let as: FakeAuthorizationServer
  let key: TestKey
  beforeAll(async () => {
    key = generateKey('ES256')
    as = await new FakeAuthorizationServer().start()
    as.jwks = { keys: [key.publicJwk] }
  })
  afterAll(async () => {
    await as.close()
  })
  beforeEach(() => {
    vi.mocked(verifyJwt).mockClear()
  })

  it('a cache hit does not verify the signature again', async () => {
    const rs = createResourceServer({ issuer: as.url, audience: AUDIENCE })
    const token = accessToken(key, as.url)
    for (let i = 0; i < 3; i++) expect((await rs.verify(bearer(token))).ok).toBe(true)
    expect(verifyJwt).toHaveBeenCalledTimes(1)
  })
  it('an entry is never served at or after the token\'s exp', async () => {
    let clock = nowSeconds()
    const rs = createResourceServer({ issuer: as.url, audience: AUDIENCE, now: () => clock, clockTolerance: 0 })
    const token = accessToken(key, as.url, { iat: clock, exp: clock + 5 })
    expect((await rs.verify(bearer(token))).ok).toBe(true)
    clock += 4
    expect((await rs.verify(bearer(token))).ok).toBe(true)
    expect(verifyJwt).toHaveBeenCalledTimes(1)
    clock += 1
    const result = await rs.verify(bearer(token))
    expect(result.ok).toBe(false)
    expect(verifyJwt).toHaveBeenCalledTimes(2)
  })
  it('failures are not cached as successes, and revoke()/clear() force verification again', async () => {
    const rs = createResourceServer({ issuer: as.url, audience: AUDIENCE })
    const token = accessToken(key, as.url)
    const other = accessToken(key, as.url, { aud: 'http://127.0.0.1:7000/api' })
    expect((await rs.verify(bearer(other))).ok).toBe(false)
    expect((await rs.verify(bearer(other))).ok).toBe(false)
    expect(verifyJwt).toHaveBeenCalledTimes(2)
    await rs.verify(bearer(token))
    rs.revoke(token)
    await rs.verify(bearer(token))
    rs.clear()
    await rs.verify(bearer(token))
    expect(verifyJwt).toHaveBeenCalledTimes(5)
  })
  it('keeps at most maxCacheEntries results', async () => {
    const rs = createResourceServer({ issuer: as.url, audience: AUDIENCE, maxCacheEntries: 2 })
    const tokens = [accessToken(key, as.url), accessToken(key, as.url), accessToken(key, as.url)]
    for (const token of tokens) await rs.verify(bearer(token))
    expect(verifyJwt).toHaveBeenCalledTimes(3)
    await rs.verify(bearer(tokens[2] ?? ''))
    await rs.verify(bearer(tokens[1] ?? ''))
    expect(verifyJwt).toHaveBeenCalledTimes(3)
    await rs.verify(bearer(tokens[0] ?? ''))
    expect(verifyJwt).toHaveBeenCalledTimes(4)
  })
})
