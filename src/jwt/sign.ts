import { constants, KeyObject, sign, type SignKeyObjectInput, type SignPrivateKeyInput } from 'node:crypto'
import { availableParallelism } from 'node:os'
import type { CryptoKey, JWTPayload } from 'jose'

export interface SigningKey {
  kid: string
  alg: string
  key: CryptoKey
}

/**
 * How each JWS algorithm Tessera signs with maps onto `node:crypto`, and what the key must be. The key
 * checks are the ones jose applies before signing (algorithm name, hash, curve, 2048-bit RSA minimum,
 * private key with the `sign` usage), made once per key instead of once per token.
 */
interface Algorithm {
  /** Digest for `crypto.sign`; `null` for Ed25519, which hashes internally (RFC 8032). */
  hash: 'sha256' | null
  /** WebCrypto algorithm the key must have been imported for. */
  name: string
  keyHash?: string
  namedCurve?: string
  minModulusLength?: number
  options: Omit<SignKeyObjectInput, 'key'>
  /**
   * RSA signatures cost a few hundred microseconds: they go to the libuv thread pool (as WebCrypto did) so
   * the event loop stays free and several cores can sign at once — where there are several (below). The
   * others take tens of microseconds, less than the hop to the pool.
   */
  offload: boolean
}

/**
 * Whether this process may run on more than one core (`availableParallelism` follows the CPU affinity,
 * e.g. `taskset`). On a single core the pool's threads only take turns with the event loop: signing there
 * doubled the cost of a code exchange and the tail latency of every request in flight (issue 20,
 * `bench/in-process.mjs` pinned to one core: 455 → 1,004 exchanges/s, p99 215 → 127 ms, signing inline).
 */
const SEVERAL_CORES = availableParallelism() > 1

const ALGORITHMS: Readonly<Record<string, Algorithm>> = {
  // RFC 7518 §3.3: RSASSA-PKCS1-v1_5 with SHA-256, keys of 2048 bits or more.
  RS256: { hash: 'sha256', name: 'RSASSA-PKCS1-v1_5', keyHash: 'SHA-256', minModulusLength: 2048, options: { padding: constants.RSA_PKCS1_PADDING }, offload: true },
  // RFC 7518 §3.5: RSASSA-PSS with SHA-256, MGF1 with SHA-256, salt as long as the hash (32 bytes).
  PS256: {
    hash: 'sha256',
    name: 'RSA-PSS',
    keyHash: 'SHA-256',
    minModulusLength: 2048,
    options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
    offload: true,
  },
  // RFC 7518 §3.4: the signature is R || S, 32 bytes each (IEEE P1363), not DER.
  ES256: { hash: 'sha256', name: 'ECDSA', namedCurve: 'P-256', options: { dsaEncoding: 'ieee-p1363' }, offload: false },
  // RFC 8037 §3.1: Ed25519 over the signing input itself.
  EdDSA: { hash: null, name: 'Ed25519', options: {}, offload: false },
}

const keyObjects = new WeakMap<CryptoKey, KeyObject>()

/** The node KeyObject behind a CryptoKey, checked against `alg` on first use and cached with the key. */
function keyObjectFor(signingKey: SigningKey, algorithm: Algorithm): KeyObject {
  const cached = keyObjects.get(signingKey.key)
  if (cached) return cached
  const { key } = signingKey
  const keyAlgorithm = key.algorithm as KeyAlgorithm & { hash?: { name?: string }; namedCurve?: string; modulusLength?: number }
  const unusable = (why: string) => new TypeError(`Key ${signingKey.kid} cannot sign ${signingKey.alg}: ${why}`)
  if (key.type !== 'private' || !key.usages.includes('sign')) throw unusable('not a private signing key')
  if (keyAlgorithm.name !== algorithm.name) throw unusable(`algorithm is ${keyAlgorithm.name}, expected ${algorithm.name}`)
  if (algorithm.keyHash && keyAlgorithm.hash?.name !== algorithm.keyHash) throw unusable(`hash must be ${algorithm.keyHash}`)
  if (algorithm.namedCurve && keyAlgorithm.namedCurve !== algorithm.namedCurve) throw unusable(`curve must be ${algorithm.namedCurve}`)
  if (algorithm.minModulusLength && !((keyAlgorithm.modulusLength ?? 0) >= algorithm.minModulusLength)) {
    throw unusable(`RSA keys must have at least ${algorithm.minModulusLength} bits (RFC 7518 §3.3)`)
  }
  // Node 24 deprecates KeyObject.from on non-extractable keys (DEP0204); importPrivateKey makes them extractable.
  if (!key.extractable) throw unusable('the key must be extractable (import it with importPrivateKey)')
  const keyObject = KeyObject.from(key)
  keyObjects.set(key, keyObject)
  return keyObject
}

function signOffloaded(hash: string | null, data: Buffer, key: SignPrivateKeyInput | SignKeyObjectInput): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign(hash, data, key, (error, signature) => (error ? reject(error) : resolve(signature)))
  })
}

function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/**
 * Signs a JWT with the given key. `typ` is explicit (RFC 8725 §3.11), e.g. `at+jwt` for RFC 9068
 * access tokens, so that one kind of token can never be replayed as another.
 *
 * Signing uses `node:crypto` directly: an ES256 signature costs about a third of jose's WebCrypto path,
 * worth 15–30% more tokens per second on the token endpoint (bench/ANALYSIS.md). Verification stays with
 * jose (src/jwt/verify.ts).
 *
 * @example
 * ```ts
 * const token = await signJwt({ iss, sub, exp }, await keys.signingKey('ES256'), 'at+jwt')
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-5.1
 */
export async function signJwt(payload: JWTPayload, signingKey: SigningKey, typ: string): Promise<string> {
  const algorithm = ALGORITHMS[signingKey.alg]
  if (!algorithm) throw new TypeError(`Unsupported signing algorithm ${signingKey.alg}`)
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new TypeError('JWT Claims Set must be an object')
  const key = { key: keyObjectFor(signingKey, algorithm), ...algorithm.options }
  // RFC 7515 §5.1: the signature covers ASCII(BASE64URL(header) || '.' || BASE64URL(payload)).
  const signingInput = `${encodeSegment({ alg: signingKey.alg, kid: signingKey.kid, typ })}.${encodeSegment(payload)}`
  const data = Buffer.from(signingInput)
  const signature = algorithm.offload && SEVERAL_CORES ? await signOffloaded(algorithm.hash, data, key) : sign(algorithm.hash, data, key)
  return `${signingInput}.${signature.toString('base64url')}`
}
