import { hkdfSync } from 'node:crypto'
import {
  CompactEncrypt,
  calculateJwkThumbprint,
  compactDecrypt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose'

/** JWS algorithms Tessera signs with. `none` and HMAC are deliberately absent (RFC 8725 §3.1). */
export const SIGNING_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number]

export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value)
}

export interface GeneratedKey {
  kid: string
  alg: SigningAlgorithm
  /** Public members only, with `kid`, `alg` and `use: "sig"` (RFC 7517 §4). */
  publicJwk: JWK
  privateJwk: JWK
}

/** A fresh key pair; `kid` is the RFC 7638 thumbprint, so it is unique and stable across restarts. */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<GeneratedKey> {
  // RFC 7518 §3.3: RSA keys of at least 2048 bits.
  const options = alg === 'EdDSA' ? { extractable: true, crv: 'Ed25519' } : { extractable: true, modulusLength: 2048 }
  const { publicKey, privateKey } = await generateKeyPair(alg, options)
  const publicJwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256')
  const privateJwk = await exportJWK(privateKey)
  return {
    kid,
    alg,
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
    privateJwk: { ...privateJwk, kid, alg },
  }
}

/**
 * Extractable because src/jwt/sign.ts signs through node:crypto's KeyObject, and Node 24 deprecates
 * `KeyObject.from` on non-extractable keys (DEP0204). It hides nothing: the JWK is in this process anyway.
 */
export async function importPrivateKey(jwk: JWK, alg: SigningAlgorithm): Promise<CryptoKey> {
  return (await importJWK(jwk, alg, { extractable: true })) as CryptoKey
}

export async function importPublicKey(jwk: JWK, alg: string): Promise<CryptoKey> {
  return (await importJWK(jwk, alg)) as CryptoKey
}

function wrappingKey(secret: string): Uint8Array {
  // HKDF turns the operator's secret (any length, any alphabet) into a 256-bit AES key scoped to this use.
  return new Uint8Array(hkdfSync('sha256', secret, 'tessera', 'tessera signing-key encryption v1', 32))
}

/** Private keys at rest: a compact JWE (`dir`, A256GCM) under a key derived from the server secret. */
export async function encryptPrivateKey(jwk: JWK, secret: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(jwk)))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'jwk+json' })
    .encrypt(wrappingKey(secret))
}

/** Throws when the secret is not the one the key was stored with. */
export async function decryptPrivateKey(jwe: string, secret: string): Promise<JWK> {
  const { plaintext } = await compactDecrypt(jwe, wrappingKey(secret), {
    keyManagementAlgorithms: ['dir'],
    contentEncryptionAlgorithms: ['A256GCM'],
  })
  return JSON.parse(new TextDecoder().decode(plaintext)) as JWK
}
