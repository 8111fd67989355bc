import { importJWK, type JWK } from 'jose'

/** What a published JSON Web Key is and what keeps a verifier from using it. */
export interface JwkInspection {
  kid?: string
  kty?: string
  alg?: string
  use?: string
  /** Empty when the key is a usable public key; each entry a sentence fragment ("has private members d, p"). */
  problems: string[]
}

// RFC 7518 §6.2.2, §6.3.2, §6.4 and RFC 8037 §2: members that only a private (or secret) key has.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

// The JWS algorithms each key type can verify (RFC 7518 §3.1, RFC 8037 §3.1, RFC 9864 for Ed25519).
const SIGNING_ALGS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  EC: ['ES256', 'ES384', 'ES512'],
  OKP: ['EdDSA', 'Ed25519'],
}
const EC_CURVE_ALG: Readonly<Record<string, string>> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }

/** The algorithm to import a key for when it names none: the one its type and curve imply. */
function impliedAlg(jwk: Record<string, unknown>): string | undefined {
  if (jwk.kty === 'RSA') return 'RS256'
  if (jwk.kty === 'EC' && typeof jwk.crv === 'string') return EC_CURVE_ALG[jwk.crv]
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA'
  return undefined
}

function stringMember(jwk: Record<string, unknown>, name: string): string | undefined {
  return typeof jwk[name] === 'string' ? jwk[name] : undefined
}

/**
 * Inspects one key of a published key set (a `jwks_uri`) the way a verifier will use it: a public key
 * (no private or symmetric members, RFC 7517 §5 / RFC 7518 §6), `kty` and `alg` consistent (an EC key
 * names the algorithm of its curve), `use` `sig` when present, RSA moduli of at least 2048 bits (RFC 7518
 * §3.3), and importable by jose for its algorithm.
 *
 * @example
 * ```ts
 * const { problems } = await inspectPublicJwk({ kty: 'EC', crv: 'P-256', x, y, alg: 'ES256', use: 'sig', kid })
 * // problems: []
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export async function inspectPublicJwk(value: unknown): Promise<JwkInspection> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problems: ['is not a JSON object'] }
  const jwk = value as Record<string, unknown>
  const inspection: JwkInspection = { problems: [] }
  const kid = stringMember(jwk, 'kid')
  const kty = stringMember(jwk, 'kty')
  const alg = stringMember(jwk, 'alg')
  const use = stringMember(jwk, 'use')
  if (kid !== undefined) inspection.kid = kid
  if (kty !== undefined) inspection.kty = kty
  if (alg !== undefined) inspection.alg = alg
  if (use !== undefined) inspection.use = use
  const problems = inspection.problems
  const privateMembers = PRIVATE_MEMBERS.filter((member) => jwk[member] !== undefined)
  if (kty === 'oct') problems.push('is a symmetric (oct) key: publishing it gives away the secret')
  else if (privateMembers.length > 0) problems.push(`has private members ${privateMembers.join(', ')}: the private key is published`)
  if (kty === undefined) problems.push('has no kty')
  else if (!Object.hasOwn(SIGNING_ALGS, kty) && kty !== 'oct') problems.push(`has an unknown kty ${JSON.stringify(kty)}`)
  if (jwk.use !== undefined && use !== 'sig' && use !== 'enc') problems.push(`has use ${JSON.stringify(jwk.use)} (RFC 7517 §4.2: sig or enc)`)
  if (alg !== undefined && kty !== undefined && Object.hasOwn(SIGNING_ALGS, kty) && use !== 'enc' && !(SIGNING_ALGS[kty] ?? []).includes(alg)) {
    problems.push(`has alg ${alg}, which an ${kty} key cannot verify`)
  } else if (kty === 'EC' && alg !== undefined && typeof jwk.crv === 'string' && EC_CURVE_ALG[jwk.crv] !== undefined && EC_CURVE_ALG[jwk.crv] !== alg) {
    problems.push(`has alg ${alg} on curve ${jwk.crv} (which is for ${EC_CURVE_ALG[jwk.crv]})`)
  }
  if (kty === 'RSA' && typeof jwk.n === 'string') {
    const bits = Buffer.from(jwk.n, 'base64url').length * 8
    if (bits < 2048) problems.push(`has a ${bits}-bit RSA modulus (RFC 7518 §3.3: at least 2048)`)
  }
  if (problems.length > 0 || use === 'enc') return inspection
  const importAlg = alg ?? impliedAlg(jwk)
  if (importAlg === undefined) {
    problems.push(`names no alg and its ${kty ?? ''} type implies none`)
    return inspection
  }
  try {
    await importJWK(jwk as JWK, importAlg)
  } catch (error) {
    problems.push(`cannot be imported for ${importAlg}: ${error instanceof Error ? error.message : String(error)}`)
  }
  return inspection
}
