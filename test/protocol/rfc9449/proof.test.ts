import { describe, expect, it } from 'vitest'
import { OAuthError } from '../../../src/errors.js'
import { dpopChallenge } from '../../../src/protocol/rfc9449/challenge.js'
import { isJwkThumbprint } from '../../../src/protocol/rfc9449/dpop-jkt.js'
import { normalizeHtu } from '../../../src/protocol/rfc9449/htu.js'
import { timeDerivedNonces } from '../../../src/protocol/rfc9449/nonce.js'
import { accessTokenHash, dpopProofFrom, validateDpopProof } from '../../../src/protocol/rfc9449/proof.js'
import { dpopKey, dpopProof } from '../../helpers/dpop.js'

const NOW = 1_900_000_000
const URL_ = 'https://as.example.com/token'

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason)
  if (!(error instanceof OAuthError)) throw new Error(`expected an OAuthError, got ${String(error)}`)
  return error.error
}

describe('RFC 9449 §4.3 htu normalisation', () => {
  it('lower-cases scheme and host, drops the default port, query and fragment, decodes unreserved percent-encodings', () => {
    expect(normalizeHtu('HTTPS://AS.Example.COM:443/to%6Ben?x=1#f')).toBe('https://as.example.com/token')
    expect(normalizeHtu('http://127.0.0.1:80')).toBe('http://127.0.0.1/')
    expect(normalizeHtu('https://as.example.com/a%2fb')).toBe('https://as.example.com/a%2Fb')
    expect(normalizeHtu('https://as.example.com/a/../token')).toBe('https://as.example.com/token')
  })

  it('refuses what is not an absolute http(s) URI', () => {
    for (const value of ['/token', 'ftp://as.example.com/token', 'not a url', 'https://user:pw@as.example.com/token']) expect(normalizeHtu(value)).toBeUndefined()
  })
})

describe('RFC 9449 §4.3 proof validation', () => {
  it('accepts a good proof and gives the key thumbprint and a replay key', async () => {
    const key = await dpopKey()
    const proof = await dpopProof(key, { htm: 'POST', htu: URL_, iat: NOW })
    const validated = await validateDpopProof(proof, { method: 'POST', url: URL_, now: NOW })
    expect(validated.jkt).toBe(key.jkt)
    expect(validated.replayUntil).toBe(NOW + 61)
    const same = await validateDpopProof(await dpopProof(key, { htm: 'POST', htu: `${URL_}?x=1`, iat: NOW, jti: validated.jti }), { method: 'POST', url: URL_, now: NOW })
    // The replay key depends on the key and jti only, never on how htu was spelled (catalogue DP-01).
    expect(same.replayKey).toBe(validated.replayKey)
  })

  it('checks iat within 60 seconds either way, ath and nonce', async () => {
    const key = await dpopKey()
    expect(await refusal(validateDpopProof(await dpopProof(key, { htm: 'GET', htu: URL_, iat: NOW - 61 }), { method: 'GET', url: URL_, now: NOW }))).toBe('invalid_dpop_proof')
    expect(await refusal(validateDpopProof(await dpopProof(key, { htm: 'GET', htu: URL_, iat: NOW + 61 }), { method: 'GET', url: URL_, now: NOW }))).toBe('invalid_dpop_proof')
    await validateDpopProof(await dpopProof(key, { htm: 'GET', htu: URL_, iat: NOW - 60, accessToken: 'at' }), { method: 'GET', url: URL_, now: NOW, accessToken: 'at' })
    expect(await refusal(validateDpopProof(await dpopProof(key, { htm: 'GET', htu: URL_, iat: NOW, accessToken: 'other' }), { method: 'GET', url: URL_, now: NOW, accessToken: 'at' }))).toBe('invalid_dpop_proof')
    const nonces = timeDerivedNonces('a-secret-of-at-least-thirty-two-characters', 'as')
    expect(await refusal(validateDpopProof(await dpopProof(key, { htm: 'GET', htu: URL_, iat: NOW }), { method: 'GET', url: URL_, now: NOW, nonces }))).toBe('use_dpop_nonce')
    await validateDpopProof(await dpopProof(key, { htm: 'GET', htu: URL_, iat: NOW, nonce: nonces.current(NOW) }), { method: 'GET', url: URL_, now: NOW, nonces })
  })

  it('takes exactly one DPoP header of bounded size', () => {
    expect(dpopProofFrom(null)).toBeUndefined()
    expect(dpopProofFrom(' a.b.c ')).toBe('a.b.c')
    expect(() => dpopProofFrom('a.b.c, d.e.f')).toThrow(OAuthError)
    expect(() => dpopProofFrom('x'.repeat(9000))).toThrow(OAuthError)
  })

  it('ath is base64url(SHA-256(token)) — RFC 9449 §7.1 example', () => {
    expect(accessTokenHash('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU')).toBe('fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo')
  })
})

describe('RFC 9449 §8 time-derived nonces', () => {
  it('are accepted this period and the last, refused after, and apart per label', () => {
    const as = timeDerivedNonces('a-secret-of-at-least-thirty-two-characters', 'as', 60)
    const rs = timeDerivedNonces('a-secret-of-at-least-thirty-two-characters', 'rs', 60)
    const nonce = as.current(NOW)
    expect(as.accepts(nonce, NOW + 60)).toBe(true)
    expect(as.accepts(nonce, NOW + 180)).toBe(false)
    expect(rs.accepts(nonce, NOW)).toBe(false)
    expect(as.accepts('garbage', NOW)).toBe(false)
  })
})

describe('RFC 9449 §7.1 challenge and §10 dpop_jkt', () => {
  it('writes algs and the error', () => {
    expect(dpopChallenge({ algs: ['ES256', 'EdDSA'], error: new OAuthError('invalid_dpop_proof', 'bad') })).toBe('DPoP error="invalid_dpop_proof", error_description="bad", algs="ES256 EdDSA"')
  })

  it('knows a thumbprint by its form', () => {
    expect(isJwkThumbprint('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs')).toBe(true)
    expect(isJwkThumbprint('not+a+thumbprint')).toBe(false)
  })
})
