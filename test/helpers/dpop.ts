/**
 * DPoP keys and proofs made by the test (catalogue wave 2 §0.4: K1 and K2, ES256), with every header and
 * claim overridable so a test can build the malformed proofs of DP-04.
 */
import { createHash, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'

export interface DpopKey {
  privateKey: CryptoKey
  publicJwk: JWK
  /** RFC 7638 thumbprint: `cnf.jkt`, `dpop_jkt`. */
  jkt: string
}

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk = await exportJWK(publicKey)
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256') }
}

export interface ProofOptions {
  htm: string
  htu: string
  accessToken?: string
  nonce?: string
  iat?: number
  jti?: string
  /** Replaces or removes (undefined) protected header members. */
  header?: Record<string, unknown>
  /** Replaces or removes (undefined) claims. */
  claims?: Record<string, unknown>
  alg?: string
}

export function ath(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url')
}

export async function dpopProof(key: DpopKey, options: ProofOptions): Promise<string> {
  const claims: Record<string, unknown> = {
    jti: options.jti ?? randomUUID(),
    htm: options.htm,
    htu: options.htu,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    ...(options.accessToken !== undefined ? { ath: ath(options.accessToken) } : {}),
    ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
    ...options.claims,
  }
  const header: Record<string, unknown> = { alg: options.alg ?? 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk, ...options.header }
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name]
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name]
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey)
}
