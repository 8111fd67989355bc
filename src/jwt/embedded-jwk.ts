import { base64url, calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose'

/** A JWS verified with the public key its own `jwk` header carries (RFC 7515 §4.1.3). */
export interface EmbeddedJwkJws {
  header: Record<string, unknown>
  /** The payload bytes, not yet parsed. */
  payload: Uint8Array
  /** The public key that verified the signature: the `jwk` header as sent. */
  jwk: JWK
  /** RFC 7638 SHA-256 thumbprint of `jwk`, base64url. */
  thumbprint: string
}

// RFC 7518 §6.2.2, §6.3.2, RFC 8037 §2 and §6.4: members that only a private or symmetric key has.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

type ImportedKey = Exclude<Awaited<ReturnType<typeof importJWK>>, Uint8Array>

/**
 * Keys imported from `jwk` headers, by algorithm and the header's exact JSON: a DPoP client signs every proof
 * with the same key, and importing it anew cost more than verifying the signature (issue 20's DPoP rows).
 * Bounded, oldest out first, so proofs with ever new keys cannot grow it.
 */
const importedKeys = new Map<string, { key: ImportedKey; thumbprint: string }>()
export const MAX_IMPORTED_KEYS = 1000

async function importEmbedded(jwk: JWK, alg: string): Promise<{ key: ImportedKey; thumbprint: string }> {
  const cacheKey = `${alg}.${JSON.stringify(jwk)}`
  const cached = importedKeys.get(cacheKey)
  if (cached) return cached
  let key: Awaited<ReturnType<typeof importJWK>>
  try {
    key = await importJWK(jwk, alg)
  } catch (error) {
    throw new Error(`the jwk cannot be used for ${alg}: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (key instanceof Uint8Array || key.type !== 'public') throw new Error('the jwk is not a public key')
  const imported = { key, thumbprint: await calculateJwkThumbprint(jwk, 'sha256') }
  if (importedKeys.size >= MAX_IMPORTED_KEYS) importedKeys.delete(importedKeys.keys().next().value as string)
  importedKeys.set(cacheKey, imported)
  return imported
}

/**
 * Verifies a compact JWS with the key of its `jwk` header, for proof-of-possession JWTs (DPoP, RFC 9449
 * §4.3) where the signer's key is the point. The algorithm comes from an allow-list, the key must be a
 * public asymmetric key without private members, RSA keys have at least 2048 bits (RFC 7518 §3.3), and
 * no other key source (`jku`, `x5u`, `x5c`, `kid`) is consulted. Throws an `Error` whose message says
 * why; the caller maps it to its protocol error.
 *
 * @example
 * ```ts
 * const { payload, thumbprint } = await verifyWithEmbeddedJwk(proof, ['ES256'])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-4.1.3
 */
export async function verifyWithEmbeddedJwk(jws: string, algorithms: readonly string[]): Promise<EmbeddedJwkJws> {
  if (!COMPACT_JWS.test(jws)) throw new Error('not a JWS in compact serialization with base64url segments')
  let header: Record<string, unknown>
  try {
    header = decodeProtectedHeader(jws) as Record<string, unknown>
  } catch {
    throw new Error('the protected header is not a JSON object')
  }
  const alg = header.alg
  if (typeof alg !== 'string' || !algorithms.includes(alg)) throw new Error(`alg ${JSON.stringify(alg)} is not allowed`)
  const jwk = header.jwk
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new Error('no jwk header')
  const members = jwk as Record<string, unknown>
  const present = PRIVATE_MEMBERS.filter((member) => members[member] !== undefined)
  if (present.length > 0) throw new Error(`the jwk has private or symmetric members (${present.join(', ')})`)
  if (members.kty === 'RSA' && (typeof members.n !== 'string' || base64url.decode(members.n).length < 256)) {
    throw new Error('RSA keys need at least 2048 bits')
  }
  const { key, thumbprint } = await importEmbedded(jwk as JWK, alg)
  const { payload } = await compactVerify(jws, key, { algorithms: [alg] })
  return { header, payload, jwk: jwk as JWK, thumbprint }
}

/**
 * RFC 7638 SHA-256 thumbprint of a public JWK, base64url: what `cnf.jkt` and `dpop_jkt` carry (RFC 9449 §6.1).
 *
 * @example const jkt = await jwkThumbprint(publicJwk)
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3
 */
export function jwkThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256')
}
