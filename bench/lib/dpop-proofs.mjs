// DPoP proofs (RFC 9449 §4) for the DPoP rows, prepared between runs like the codes: one fresh proof per
// request (a proof's jti is single use), all by one ES256 key so prepared codes can be bound to it.
import { createHash, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose'

/** The client's DPoP key: its private half signs, its thumbprint is what codes and tokens are bound to. */
export async function dpopKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = await exportJWK(publicKey)
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) }
}

/**
 * `count` proofs for `htm` `htu`, issued now (both servers accept a minute's age, more than a run lasts); with
 * `accessToken`, for a call of a protected API with that token (`ath`, RFC 9449 §4.2).
 */
export async function dpopProofs(key, count, htm, htu, accessToken) {
  const iat = Math.floor(Date.now() / 1000)
  const ath = accessToken === undefined ? {} : { ath: createHash('sha256').update(accessToken).digest('base64url') }
  const proofs = []
  for (let i = 0; i < count; i++) {
    proofs.push(await new SignJWT({ htm, htu, jti: randomUUID(), iat, ...ath }).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk }).sign(key.privateKey))
  }
  return proofs
}
