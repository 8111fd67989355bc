import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type * as verifyModule from '../../src/jwt/verify.js'
import { verifyJwt } from '../../src/jwt/verify.js'
import { createResourceServer } from '../../src/resource/index.js'
import { AUDIENCE, FakeAuthorizationServer, accessToken, bearer, generateKey, nowSeconds, type TestKey } from './fixtures.js'

// Counts signature verifications while keeping the real one.
vi.mock('../../src/jwt/verify.js', async (importOriginal) => {
  const original = await importOriginal<typeof verifyModule>()
  return { ...original, verifyJwt: vi.fn(original.verifyJwt) }
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
