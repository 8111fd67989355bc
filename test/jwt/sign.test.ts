import { afterEach, describe, expect, it, vi } from 'vitest'
import type * as CryptoModule from 'node:crypto'
import { webcrypto } from 'node:crypto'
import type * as OsModule from 'node:os'
import { SignJWT, decodeProtectedHeader, generateKeyPair, importJWK, jwtVerify, type CryptoKey } from 'jose'
import { generateSigningKey, importPrivateKey, SIGNING_ALGORITHMS } from '../../src/jwt/keys.js'
import { signJwt, type SigningKey } from '../../src/jwt/sign.js'

const CLAIMS = { iss: 'https://issuer.example', sub: 'user-1', aud: 'https://api.example', scope: 'notes:read', exp: 2_000_000_000, iat: 1_700_000_000, name: 'Zoë' }

async function keyFor(alg: (typeof SIGNING_ALGORITHMS)[number]) {
  const generated = await generateSigningKey(alg)
  const signing: SigningKey = { kid: generated.kid, alg, key: await importPrivateKey(generated.privateJwk, alg) }
  return { signing, publicKey: await importJWK(generated.publicJwk, alg) }
}

describe('signJwt', () => {
  it.each(SIGNING_ALGORITHMS)('%s tokens verify with jose and carry alg, kid and typ', async (alg) => {
    const { signing, publicKey } = await keyFor(alg)
    for (const typ of ['at+jwt', 'JWT']) {
      const token = await signJwt(CLAIMS, signing, typ)
      const { payload, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: [alg], typ })
      expect(protectedHeader).toEqual({ alg, kid: signing.kid, typ })
      expect(payload).toEqual(CLAIMS)
    }
  })

  it.each(['RS256', 'EdDSA'] as const)('%s (deterministic) gives the same token as jose', async (alg) => {
    const { signing } = await keyFor(alg)
    const expected = await new SignJWT(CLAIMS).setProtectedHeader({ alg, kid: signing.kid, typ: 'at+jwt' }).sign(signing.key)
    expect(await signJwt(CLAIMS, signing, 'at+jwt')).toBe(expected)
  })

  it('ES256 signatures are IEEE P1363 R || S (64 bytes), not DER (RFC 7518 §3.4)', async () => {
    const { signing } = await keyFor('ES256')
    for (let i = 0; i < 20; i++) {
      const signature = (await signJwt({ ...CLAIMS, jti: String(i) }, signing, 'at+jwt')).split('.')[2] ?? ''
      expect(Buffer.from(signature, 'base64url')).toHaveLength(64)
    }
  })

  it('PS256 signatures verify with a 32-byte salt only (RFC 7518 §3.5)', async () => {
    const { signing, publicKey } = await keyFor('PS256')
    const token = await signJwt(CLAIMS, signing, 'JWT')
    await expect(jwtVerify(token, publicKey, { algorithms: ['PS256'] })).resolves.toBeDefined()
    const [header, payload, signature] = token.split('.')
    const valid = await webcrypto.subtle.verify(
      { name: 'RSA-PSS', saltLength: 32 },
      publicKey as webcrypto.CryptoKey,
      Buffer.from(signature ?? '', 'base64url'),
      Buffer.from(`${header}.${payload}`),
    )
    expect(valid).toBe(true)
  })

  it('a token signed for one key does not verify with another', async () => {
    const { signing } = await keyFor('ES256')
    const other = await keyFor('ES256')
    const token = await signJwt(CLAIMS, signing, 'at+jwt')
    await expect(jwtVerify(token, other.publicKey, { algorithms: ['ES256'] })).rejects.toThrow()
  })

  it('refuses a key that does not match the algorithm', async () => {
    const { signing } = await keyFor('ES256')
    await expect(signJwt(CLAIMS, { ...signing, alg: 'RS256' }, 'JWT')).rejects.toThrow(TypeError)
    const rsa = await keyFor('RS256')
    await expect(signJwt(CLAIMS, { ...rsa.signing, alg: 'PS256' }, 'JWT')).rejects.toThrow(TypeError)
    await expect(signJwt(CLAIMS, { ...rsa.signing, alg: 'ES256' }, 'JWT')).rejects.toThrow(TypeError)
  })

  it('refuses public keys, RSA keys under 2048 bits, unknown algorithms and non-object claims', async () => {
    const { publicKey } = await generateKeyPair('ES256')
    await expect(signJwt(CLAIMS, { kid: 'k', alg: 'ES256', key: publicKey }, 'JWT')).rejects.toThrow(/private signing key/)
    const small = await webcrypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    )
    await expect(signJwt(CLAIMS, { kid: 'k', alg: 'RS256', key: small.privateKey as CryptoKey }, 'JWT')).rejects.toThrow(/2048/)
    // Node 24 deprecates KeyObject.from on non-extractable keys (DEP0204): refused with a clear reason instead.
    const sealed = await generateKeyPair('ES256', { extractable: false })
    await expect(signJwt(CLAIMS, { kid: 'k', alg: 'ES256', key: sealed.privateKey }, 'JWT')).rejects.toThrow(/extractable/)
    const { signing } = await keyFor('ES256')
    await expect(signJwt(CLAIMS, { ...signing, alg: 'HS256' }, 'JWT')).rejects.toThrow(/Unsupported/)
    await expect(signJwt(CLAIMS, { ...signing, alg: 'none' }, 'JWT')).rejects.toThrow(/Unsupported/)
    await expect(signJwt([] as never, signing, 'JWT')).rejects.toThrow(TypeError)
  })

  it('puts exactly alg, kid and typ in the protected header', async () => {
    const { signing } = await keyFor('EdDSA')
    expect(decodeProtectedHeader(await signJwt(CLAIMS, signing, 'logout+jwt'))).toEqual({ alg: 'EdDSA', kid: signing.kid, typ: 'logout+jwt' })
  })
})

describe('signJwt on a single core', () => {
  afterEach(() => {
    vi.doUnmock('node:os')
    vi.doUnmock('node:crypto')
    vi.resetModules()
  })

  it.each(['RS256', 'PS256'] as const)('%s signs inline, and jose verifies the token', async (alg) => {
    // What a process pinned to one core sees (taskset, a one-CPU container): RSA is not offloaded there.
    vi.resetModules()
    vi.doMock('node:os', async (original) => ({ ...(await original<typeof OsModule>()), availableParallelism: () => 1 }))
    const calls: boolean[] = []
    vi.doMock('node:crypto', async (original) => {
      const crypto = await original<typeof CryptoModule>()
      const sign = (...args: Parameters<typeof crypto.sign>) => {
        calls.push(args.length > 3)
        return crypto.sign(...args)
      }
      return { ...crypto, sign }
    })
    const { signJwt: signInline } = await import('../../src/jwt/sign.js')
    vi.doUnmock('node:crypto')
    const { signing, publicKey } = await keyFor(alg)
    const token = await signInline(CLAIMS, signing, 'JWT')
    const { payload, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: [alg], typ: 'JWT' })
    expect(protectedHeader).toEqual({ alg, kid: signing.kid, typ: 'JWT' })
    expect(payload).toEqual(CLAIMS)
    // One call, without a callback: the signature was computed on the calling thread.
    expect(calls).toEqual([false])
  })
})
