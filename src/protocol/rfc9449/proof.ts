import { OAuthError } from '../../errors.js'
import { sha256 } from '../../crypto/random.js'
import { verifyWithEmbeddedJwk } from '../../jwt/embedded-jwk.js'
import { normalizeHtu } from './htu.js'
import type { DpopNonceSource } from './nonce.js'

/** RFC 9449 §4.2: the `typ` of a DPoP proof. */
export const DPOP_PROOF_TYP = 'dpop+jwt'

/** Proof algorithms accepted by default: asymmetric only (RFC 9449 §4.2, §11.6). */
export const DPOP_ALGORITHMS: readonly string[] = ['ES256', 'EdDSA', 'PS256', 'RS256']

/** Larger `DPoP` headers are refused before any parsing (a proof with an RSA-4096 key is under 2 KB). */
export const MAX_DPOP_PROOF_LENGTH = 8192

/** Seconds a proof is accepted after its `iat`, and before it (clock skew): RFC 9449 §4.3 step 11, §11.1. */
export const DPOP_PROOF_LIFETIME = 60
export const DPOP_CLOCK_SKEW = 60

export interface DpopProofRules {
  /** The request's method (`htm`, compared exactly: RFC 9110 §9.1 methods are case-sensitive). */
  method: string
  /** The request's URI as this server's configured external URL spells it; never built from `Host` headers. */
  url: string
  /** Accepted `alg` values; default `DPOP_ALGORITHMS`. */
  algorithms?: readonly string[] | undefined
  /** Seconds since the epoch. */
  now: number
  /** At a resource server: the access token, whose hash `ath` must carry (RFC 9449 §4.3 step 12). */
  accessToken?: string | undefined
  /** When set, `nonce` must be one of these (RFC 9449 §8, §9); a missing or stale one is `use_dpop_nonce`. */
  nonces?: DpopNonceSource | undefined
}

declare const validated: unique symbol

/** A proof that passed every check of RFC 9449 §4.3 except replay, which needs a store (`replayKey`). */
export interface ValidatedDpopProof {
  readonly [validated]: true
  /** RFC 7638 thumbprint of the proof's key: `cnf.jkt` of tokens bound to it (RFC 9449 §6.1). */
  readonly jkt: string
  readonly jti: string
  readonly iat: number
  /** What a replay store keys the proof's single use by: the key and the `jti` (RFC 9449 §11.1). */
  readonly replayKey: string
  /** Until when the replay mark must be kept: after that the proof's `iat` is outside the window anyway. */
  readonly replayUntil: number
}

function invalid(detail: string): OAuthError {
  return new OAuthError('invalid_dpop_proof', 'The DPoP proof is invalid', { detail })
}

function nonceError(description: string): OAuthError {
  return new OAuthError('use_dpop_nonce', description)
}

/**
 * The one proof of a request: exactly one `DPoP` header (RFC 9449 §4.3 step 1). `headerValue` is the
 * header as a `Headers` object gives it (repeated headers joined by `, `; a JWS has no comma). Undefined
 * when there is none; throws `invalid_dpop_proof` when there are several or it is oversized.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export function dpopProofFrom(headerValue: string | null): string | undefined {
  if (headerValue === null) return undefined
  if (headerValue.length > MAX_DPOP_PROOF_LENGTH) throw invalid('DPoP header too large')
  if (headerValue.includes(',')) throw invalid('more than one DPoP header')
  const proof = headerValue.trim()
  if (proof === '') throw invalid('empty DPoP header')
  return proof
}

/** RFC 9449 §4.2 `ath`: base64url of the SHA-256 of the access token's ASCII octets. */
export function accessTokenHash(accessToken: string): string {
  return sha256(accessToken)
}

/**
 * Checks a DPoP proof as RFC 9449 §4.3 lists: a JWS (not a JWE) with `typ` `dpop+jwt`, an allow-listed
 * asymmetric `alg`, a public `jwk` (no private members) whose key verifies the signature, `jti`, `htm`
 * equal to the method, `htu` equal to the request URI after normalisation ignoring query and fragment,
 * `iat` within the window, `ath` for the access token at a resource server, and the server's `nonce` when
 * it requires one. Every refusal is `invalid_dpop_proof`, a missing or stale nonce `use_dpop_nonce`.
 * Single use (replay) is left to the caller, keyed by `replayKey`.
 *
 * @example
 * ```ts
 * const proof = await validateDpopProof(dpopProofFrom(request.headers.get('dpop'))!, { method: 'POST', url: tokenUrl, now })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export async function validateDpopProof(proof: string, rules: DpopProofRules): Promise<ValidatedDpopProof> {
  if (proof.length > MAX_DPOP_PROOF_LENGTH) throw invalid('proof too large')
  // A JWE has five segments: refused before any parsing.
  if (proof.split('.').length !== 3) throw invalid('not a JWS in compact serialization')
  let verified: Awaited<ReturnType<typeof verifyWithEmbeddedJwk>>
  try {
    verified = await verifyWithEmbeddedJwk(proof, rules.algorithms ?? DPOP_ALGORITHMS)
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : 'signature check failed')
  }
  const { header, thumbprint } = verified
  // RFC 9449 §4.2: exactly this `typ`, not `JWT` and not `application/dpop+jwt`.
  if (header.typ !== DPOP_PROOF_TYP) throw invalid(`typ ${JSON.stringify(header.typ)}`)
  let claims: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(verified.payload))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
    claims = parsed as Record<string, unknown>
  } catch {
    throw invalid('the payload is not a JSON object')
  }
  const { jti, htm, htu, iat } = claims
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw invalid('jti missing or malformed')
  if (htm !== rules.method) throw invalid(`htm ${JSON.stringify(htm)} for a ${rules.method} request`)
  const expected = normalizeHtu(rules.url)
  if (typeof htu !== 'string' || expected === undefined || normalizeHtu(htu) !== expected) throw invalid(`htu ${JSON.stringify(htu)} for ${rules.url}`)
  if (typeof iat !== 'number' || !Number.isInteger(iat)) throw invalid('iat missing or not an integer')
  if (iat < rules.now - DPOP_PROOF_LIFETIME || iat > rules.now + DPOP_CLOCK_SKEW) throw invalid(`iat ${iat} outside the window at ${rules.now}`)
  if (rules.accessToken !== undefined && claims.ath !== accessTokenHash(rules.accessToken)) throw invalid('ath does not match the access token')
  if (rules.nonces) {
    const { nonce } = claims
    if (nonce === undefined) throw nonceError('A DPoP nonce is required')
    if (typeof nonce !== 'string' || !rules.nonces.accepts(nonce, rules.now)) throw nonceError('The DPoP nonce is stale or unknown')
  }
  return {
    jkt: thumbprint,
    jti,
    iat,
    replayKey: sha256(`${thumbprint}.${jti}`),
    replayUntil: iat + DPOP_PROOF_LIFETIME + 1,
  } as ValidatedDpopProof
}
