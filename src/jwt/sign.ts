import { SignJWT, type CryptoKey, type JWTPayload } from 'jose'

export interface SigningKey {
  kid: string
  alg: string
  key: CryptoKey
}

/**
 * Signs a JWT with the given key. `typ` is explicit (RFC 8725 §3.11), e.g. `at+jwt` for RFC 9068
 * access tokens, so that one kind of token can never be replayed as another.
 */
export async function signJwt(payload: JWTPayload, signingKey: SigningKey, typ: string): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ })
    .sign(signingKey.key)
}
