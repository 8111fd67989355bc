import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { verifyWithEmbeddedJwk } from '../../src/jwt/embedded-jwk.js'

async function keyPair() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  return { privateKey, jwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) }
}

const proof = (signer: CryptoKey, jwk: object, jti: string) =>
  new SignJWT({ htm: 'GET', htu: 'https://api.example/notes', jti, iat: Math.floor(Date.now() / 1000) }).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk }).sign(signer)

describe('verifyWithEmbeddedJwk', () => {
  it('verifies every proof of a key it has imported before, and only with that key', async () => {
    const alice = await keyPair()
    const mallory = await keyPair()
    const first = await verifyWithEmbeddedJwk(await proof(alice.privateKey, alice.jwk, 'one'), ['ES256'])
    const second = await verifyWithEmbeddedJwk(await proof(alice.privateKey, alice.jwk, 'two'), ['ES256'])
    expect(first.thumbprint).toBe(await calculateJwkThumbprint(alice.jwk))
    expect(second.thumbprint).toBe(first.thumbprint)
    expect(new TextDecoder().decode(second.payload)).toContain('"jti":"two"')
    // Alice's key is imported (and kept); a proof naming it but signed by another key still fails.
    await expect(verifyWithEmbeddedJwk(await proof(mallory.privateKey, alice.jwk, 'three'), ['ES256'])).rejects.toThrow()
  })

  it('refuses a jwk with private members and an algorithm off the list, whatever was imported before', async () => {
    const alice = await keyPair()
    await verifyWithEmbeddedJwk(await proof(alice.privateKey, alice.jwk, 'one'), ['ES256'])
    await expect(verifyWithEmbeddedJwk(await proof(alice.privateKey, alice.privateJwk, 'two'), ['ES256'])).rejects.toThrow(/private or symmetric/)
    await expect(verifyWithEmbeddedJwk(await proof(alice.privateKey, alice.jwk, 'three'), ['EdDSA'])).rejects.toThrow(/not allowed/)
  })
})
