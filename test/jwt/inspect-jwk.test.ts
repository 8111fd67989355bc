import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { inspectPublicJwk } from '../../src/jwt/inspect-jwk.js'
import { generateSigningKey } from '../../src/jwt/keys.js'

describe('inspectPublicJwk', () => {
  it('accepts the public keys Tessera publishes, and a key without alg by its type', async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const { publicJwk, kid } = await generateSigningKey(alg)
      expect(await inspectPublicJwk(publicJwk), alg).toEqual({ kid, kty: publicJwk.kty, alg, use: 'sig', problems: [] })
    }
    const { publicJwk } = await generateSigningKey('ES256')
    const { alg: _alg, ...withoutAlg } = publicJwk
    expect((await inspectPublicJwk(withoutAlg)).problems).toEqual([])
  })

  it('refuses a published private or symmetric key', async () => {
    const { privateJwk } = await generateSigningKey('RS256')
    expect((await inspectPublicJwk(privateJwk)).problems).toEqual([expect.stringMatching(/^has private members d, p, q, dp, dq, qi/)])
    expect((await inspectPublicJwk({ kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' })).problems[0]).toMatch(/symmetric/)
  })

  it('refuses an alg its key cannot verify, a wrong curve, a short RSA modulus, a bad use, an unimportable key', async () => {
    const { publicJwk } = await generateSigningKey('ES256')
    expect((await inspectPublicJwk({ ...publicJwk, alg: 'RS256' })).problems).toEqual(['has alg RS256, which an EC key cannot verify'])
    expect((await inspectPublicJwk({ ...publicJwk, alg: 'ES384' })).problems).toEqual(['has alg ES384 on curve P-256 (which is for ES256)'])
    expect((await inspectPublicJwk({ ...publicJwk, use: 'signing' })).problems).toEqual(['has use "signing" (RFC 7517 §4.2: sig or enc)'])
    expect((await inspectPublicJwk({ ...publicJwk, x: 'AAAA' })).problems).toEqual([expect.stringMatching(/^cannot be imported for ES256/)])
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    expect((await inspectPublicJwk({ ...publicKey.export({ format: 'jwk' }), alg: 'RS256' })).problems).toEqual(['has a 1024-bit RSA modulus (RFC 7518 §3.3: at least 2048)'])
    expect((await inspectPublicJwk({ kty: 'XYZ' })).problems).toEqual(['has an unknown kty "XYZ"'])
    expect((await inspectPublicJwk('key')).problems).toEqual(['is not a JSON object'])
  })
})
