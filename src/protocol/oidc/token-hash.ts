import { createHash } from 'node:crypto'

const HASH_FOR_ALG: Record<string, string> = {
  RS256: 'sha256', PS256: 'sha256', ES256: 'sha256',
  RS384: 'sha384', PS384: 'sha384', ES384: 'sha384',
  RS512: 'sha512', PS512: 'sha512', ES512: 'sha512',
  // OIDC Core errata: Ed25519 uses SHA-512.
  EdDSA: 'sha512', Ed25519: 'sha512',
}

/**
 * `at_hash` / `c_hash`: the left half of the hash of the token's ASCII octets, with the hash of the
 * ID token's `alg`, base64url (OIDC Core §3.1.3.6, §3.3.2.11).
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
 */
export function leftHalfHash(value: string, alg: string): string {
  const hash = HASH_FOR_ALG[alg]
  if (!hash) throw new Error(`No hash defined for ${alg}`)
  const digest = createHash(hash).update(value, 'ascii').digest()
  return digest.subarray(0, digest.length / 2).toString('base64url')
}
