import { describe, expect, it } from 'vitest'
import { jwtVerify, importJWK } from 'jose'
import { decryptPrivateKey, encryptPrivateKey, generateSigningKey, importPrivateKey } from '../../src/jwt/keys.js'
import { signJwt } from '../../src/jwt/sign.js'

describe('signing keys', () => {
  it.each(['RS256', 'ES256'] as const)('%s keys carry kid/alg/use and only public members', async (alg) => {
    const key = await generateSigningKey(alg)
    expect(key.publicJwk).toMatchObject({ kid: key.kid, alg, use: 'sig' })
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key.publicJwk).not.toHaveProperty(member)
    const token = await signJwt({ sub: 'x' }, { kid: key.kid, alg, key: await importPrivateKey(key.privateJwk, alg) }, 'at+jwt')
    const { protectedHeader } = await jwtVerify(token, await importJWK(key.publicJwk, alg), { typ: 'at+jwt' })
    expect(protectedHeader).toMatchObject({ alg, kid: key.kid, typ: 'at+jwt' })
  })

  it('encrypts private keys at rest and refuses the wrong secret', async () => {
    const key = await generateSigningKey('ES256')
    const sealed = await encryptPrivateKey(key.privateJwk, 'a'.repeat(32))
    expect(sealed).not.toContain(String(key.privateJwk.d))
    expect(await decryptPrivateKey(sealed, 'a'.repeat(32))).toEqual(key.privateJwk)
    await expect(decryptPrivateKey(sealed, 'b'.repeat(32))).rejects.toThrow()
  })
})
