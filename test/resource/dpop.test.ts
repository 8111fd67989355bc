/**
 * DPoP at a resource server through `verify()` (no HTTP): server-provided nonces (catalogue DP-03, RS
 * side) and the shared replay stores. The HTTP cases are the DPoP scenario table (adapters.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createResourceServer, memoryDpopReplayStore, recordsDpopReplayStore } from '../../src/resource/index.js'
import { createMemoryStore } from '../../src/storage/memory.js'
import { dpopKey, dpopProof, type DpopKey } from '../helpers/dpop.js'
import { AUDIENCE, FakeAuthorizationServer, accessToken, generateKey } from './fixtures.js'

let as: FakeAuthorizationServer
let K1: DpopKey
let bound: string
const NOTES = 'http://127.0.0.1:6000/api/notes'

beforeAll(async () => {
  const key = generateKey('ES256')
  as = await new FakeAuthorizationServer().start()
  as.jwks = { keys: [key.publicJwk] }
  K1 = await dpopKey()
  bound = accessToken(key, as.url, { cnf: { jkt: K1.jkt } })
})
afterAll(async () => {
  await as.close()
})

const request = (proof: string) => ({ method: 'GET', url: new URL('http://localhost/api/notes'), headers: new Headers({ authorization: `DPoP ${bound}`, dpop: proof }) })

describe('DPoP at a resource server', () => {
  it('DP-03 with nonces on: a proof without one or with a foreign one gets 401 use_dpop_nonce and a DPoP-Nonce; the given one passes', async () => {
    const clock = { now: Math.floor(Date.now() / 1000) }
    const rs = createResourceServer({ issuer: as.url, audience: AUDIENCE, now: () => clock.now, dpop: { nonceSecret: 'rs-nonce-secret-rs-nonce-secret-0123' } })
    const other = createResourceServer({ issuer: as.url, audience: 'http://127.0.0.1:6001/api2', dpop: { nonceSecret: 'rs-nonce-secret-rs-nonce-secret-0123' } })
    const missing = await rs.verify(request(await dpopProof(K1, { htm: 'GET', htu: NOTES, accessToken: bound, iat: clock.now })))
    if (missing.ok) throw new Error('accepted without a nonce')
    expect(missing.response.status).toBe(401)
    expect(missing.response.headers.get('www-authenticate')).toMatch(/DPoP .*error="use_dpop_nonce"/)
    const nonce = missing.response.headers.get('dpop-nonce') ?? ''
    expect(nonce).not.toBe('')
    // RS2's nonce (another audience) is foreign here.
    const foreignAnswer = await other.verify({ ...request(await dpopProof(K1, { htm: 'GET', htu: NOTES, accessToken: bound })), url: new URL('http://localhost/api2/x') })
    const foreignNonce = foreignAnswer.ok ? '' : (foreignAnswer.response.headers.get('dpop-nonce') ?? '')
    const foreign = await rs.verify(request(await dpopProof(K1, { htm: 'GET', htu: NOTES, accessToken: bound, iat: clock.now, nonce: foreignNonce })))
    expect(foreign.ok ? 'accepted' : foreign.response.headers.get('www-authenticate')).toMatch(/use_dpop_nonce/)
    expect((await rs.verify(request(await dpopProof(K1, { htm: 'GET', htu: NOTES, accessToken: bound, iat: clock.now, nonce })))).ok).toBe(true)
    clock.now += 600
    const stale = await rs.verify(request(await dpopProof(K1, { htm: 'GET', htu: NOTES, accessToken: bound, iat: clock.now, nonce })))
    if (stale.ok) throw new Error('a ten-minute-old nonce was accepted')
    expect(stale.response.headers.get('dpop-nonce')).not.toBe(nonce)
  })

  it('DP-01 two resource servers sharing a records replay store refuse a proof the other accepted', async () => {
    const store = createMemoryStore()
    const [first, second] = [0, 1].map(() => createResourceServer({ issuer: as.url, audience: AUDIENCE, dpop: { replayStore: recordsDpopReplayStore(store.records) } }))
    const proof = await dpopProof(K1, { htm: 'GET', htu: NOTES, accessToken: bound })
    expect((await first!.verify(request(proof))).ok).toBe(true)
    const replay = await second!.verify(request(proof))
    expect(replay.ok ? 'accepted' : replay.response.headers.get('www-authenticate')).toMatch(/invalid_dpop_proof/)
  })

  it('the memory replay store stays within its bound and forgets expired marks', () => {
    const replay = memoryDpopReplayStore(2)
    expect(replay.use('a', 100, 10)).toBe(true)
    expect(replay.use('a', 100, 11)).toBe(false)
    expect(replay.use('b', 100, 12)).toBe(true)
    expect(replay.use('c', 100, 13)).toBe(true)
    // `a` was the oldest and made room for `c`.
    expect(replay.use('a', 100, 14)).toBe(true)
    expect(replay.use('c', 100, 200)).toBe(true)
  })
})
