import { ASYMMETRIC_ASSERTION_ALGORITHMS, HMAC_ASSERTION_ALGORITHMS } from '../rfc7523/client-assertion.js'
import { isLoopbackHost } from '../rfc6749/redirect-uri.js'

/**
 * A client's keys and assertion algorithm (RFC 7591 §2 `jwks`, `jwks_uri`; OIDC Registration §2
 * `token_endpoint_auth_signing_alg`), checked the same way for dynamic registration, the admin functions
 * and the CLI. Pure: `jwks_uri` is only parsed here, never fetched.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */

/** A JSON Web Key Set of public keys (RFC 7517 §5). */
export interface PublicJwks {
  keys: Array<Record<string, unknown>>
}

export interface ClientKeysInput {
  readonly tokenEndpointAuthMethod: string
  readonly jwks?: unknown
  readonly jwksUri?: unknown
  readonly tokenEndpointAuthSigningAlg?: unknown
}

export interface ClientKeys {
  readonly jwks: PublicJwks | null
  readonly jwks_uri: string | null
  readonly token_endpoint_auth_signing_alg: string | null
}

/** At most this many keys: a client rotates one or two at a time (catalogue RL-04). */
export const MAX_CLIENT_KEYS = 10

// RFC 7517 §9.1 / RFC 7518 §6: members that only a private or symmetric key has.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const
const CURVES: Readonly<Record<string, readonly string[]>> = { EC: ['P-256', 'P-384', 'P-521'], OKP: ['Ed25519', 'Ed448'] }

/**
 * Checks the keys a client registers, or returns the reason they are refused: `jwks` and `jwks_uri`
 * exclusive (RFC 7591 §2: MUST NOT both be present); public keys only, RSA of 2048 bits or more (RFC 7518
 * §3.3); `private_key_jwt` needs one of them; `token_endpoint_auth_signing_alg` an allow-listed algorithm
 * of the client's method (OIDC Registration §2; `none` is never one). `allowLoopbackHttp` lets `jwks_uri`
 * be plain http on loopback (development and tests, as the SSRF guard's `allowLoopback`).
 */
export function validateClientKeys(input: ClientKeysInput, options: { allowLoopbackHttp?: boolean } = {}): ClientKeys | string {
  const { tokenEndpointAuthMethod: method } = input
  if (input.jwks !== undefined && input.jwks !== null && input.jwksUri !== undefined && input.jwksUri !== null) return 'jwks and jwks_uri must not both be present'
  let jwks: PublicJwks | null = null
  if (input.jwks !== undefined && input.jwks !== null) {
    const problem = jwksProblem(input.jwks)
    if (problem) return problem
    jwks = { keys: (input.jwks as PublicJwks).keys.map((key) => ({ ...key })) }
  }
  let jwksUri: string | null = null
  if (input.jwksUri !== undefined && input.jwksUri !== null) {
    const problem = jwksUriProblem(input.jwksUri, options.allowLoopbackHttp === true)
    if (problem) return problem
    jwksUri = new URL(input.jwksUri as string).href
  }
  if (method === 'private_key_jwt' && jwks === null && jwksUri === null) return 'private_key_jwt needs jwks or jwks_uri'
  let alg: string | null = null
  if (input.tokenEndpointAuthSigningAlg !== undefined && input.tokenEndpointAuthSigningAlg !== null) {
    alg = String(input.tokenEndpointAuthSigningAlg)
    const allowed: readonly string[] = method === 'private_key_jwt' ? ASYMMETRIC_ASSERTION_ALGORITHMS : method === 'client_secret_jwt' ? HMAC_ASSERTION_ALGORITHMS : []
    if (typeof input.tokenEndpointAuthSigningAlg !== 'string' || !allowed.includes(alg)) {
      return allowed.length === 0
        ? 'token_endpoint_auth_signing_alg applies to private_key_jwt and client_secret_jwt only'
        : `token_endpoint_auth_signing_alg must be one of ${allowed.join(', ')}`
    }
  }
  return { jwks, jwks_uri: jwksUri, token_endpoint_auth_signing_alg: alg }
}

function jwksProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'jwks must be a JSON Web Key Set object'
  const keys = (value as { keys?: unknown }).keys
  if (!Array.isArray(keys) || keys.length === 0) return 'jwks must hold a non-empty keys array'
  if (keys.length > MAX_CLIENT_KEYS) return `jwks may hold at most ${MAX_CLIENT_KEYS} keys`
  for (const key of keys) {
    const problem = publicKeyProblem(key)
    if (problem) return `jwks: ${problem}`
  }
  return undefined
}

/** Why a JWK is not an acceptable public verification key, or undefined. */
export function publicKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return 'every key must be a JSON object'
  const jwk = key as Record<string, unknown>
  if (PRIVATE_MEMBERS.some((member) => jwk[member] !== undefined)) return 'keys must be public (private or symmetric key members found)'
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid.length > 200)) return 'kid must be a string'
  for (const member of ['use', 'alg'] as const) if (jwk[member] !== undefined && typeof jwk[member] !== 'string') return `${member} must be a string`
  if (jwk.kty === 'RSA') {
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return 'an RSA key needs n and e'
    // RFC 7518 §3.3: 2048 bits or more.
    if (Buffer.from(jwk.n, 'base64url').length * 8 < 2048) return 'RSA keys must have at least 2048 bits'
    return undefined
  }
  const curves = typeof jwk.kty === 'string' ? CURVES[jwk.kty] : undefined
  if (!curves) return 'kty must be RSA, EC or OKP'
  if (typeof jwk.crv !== 'string' || !curves.includes(jwk.crv)) return `crv must be one of ${curves.join(', ')}`
  if (typeof jwk.x !== 'string' || (jwk.kty === 'EC' && typeof jwk.y !== 'string')) return 'the key lacks its coordinates'
  return undefined
}

function jwksUriProblem(value: unknown, allowLoopbackHttp: boolean): string | undefined {
  if (typeof value !== 'string' || value.length > 2000) return 'jwks_uri must be a URL of at most 2000 characters'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'jwks_uri must be an absolute URL'
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') return 'jwks_uri must not carry user information or a fragment'
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:' && allowLoopbackHttp && isLoopbackHost(url.hostname)) return undefined
  return 'jwks_uri must be an https URL'
}
