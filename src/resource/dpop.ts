import { OAuthError } from '../errors.js'
import type { OAuthRequest } from '../http/types.js'
import { DPOP_ALGORITHMS, dpopProofFrom, validateDpopProof, type ValidatedDpopProof } from '../protocol/rfc9449/proof.js'
import { timeDerivedNonces, type DpopNonceSource } from '../protocol/rfc9449/nonce.js'
import type { Principal } from './principal.js'

/**
 * Where a resource server remembers the DPoP proofs it accepted (RFC 9449 §11.1). Several instances of an
 * API share one (a database, Redis), or a proof replayed to another instance is accepted there.
 */
export interface DpopReplayStore {
  /**
   * Records `key` until `expiresAt` (Unix seconds). True for the first use; false when the key is already
   * recorded and not expired. Atomic: of concurrent calls with one key, exactly one gets true.
   */
  use(key: string, expiresAt: number, now: number): boolean | Promise<boolean>
}

/** DPoP (RFC 9449) at this resource server: the `DPoP` scheme, its proofs and challenges. */
export interface DpopResourceOptions {
  /**
   * The origin clients call this API at (`https://api.example.com`): `htu` is compared with it plus the
   * request path, never with the `Host` or `X-Forwarded-Host` a request claims. Default: the audience's origin.
   */
  externalOrigin?: string
  /** Proof algorithms accepted and announced in `algs` (default ES256, EdDSA, PS256, RS256). */
  algorithms?: string[]
  /**
   * RFC 9449 §9: proofs must carry a nonce this API supplied (`DPoP-Nonce`, `use_dpop_nonce`), derived
   * from the time and this secret (at least 32 characters) so every instance agrees without storage.
   */
  nonceSecret?: string
  /** Shared replay store for several instances; default one in memory, bounded by `maxReplayEntries`. */
  replayStore?: DpopReplayStore
  /** Most proofs the memory replay store remembers (default 100 000). */
  maxReplayEntries?: number
}

export interface ResolvedDpop {
  origin: string
  algorithms: readonly string[]
  nonces: DpopNonceSource | undefined
  replay: DpopReplayStore
}

/**
 * A replay store in memory, for one instance: proofs live at most about two minutes, and when `maxEntries`
 * unexpired ones are held the oldest is dropped (an attacker flooding proofs could make an old one usable
 * again; a shared store has no such limit).
 *
 * @example createResourceServer({ issuer, audience, dpop: { replayStore: memoryDpopReplayStore(10_000) } })
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.1
 */
export function memoryDpopReplayStore(maxEntries = 100_000): DpopReplayStore {
  const marks = new Map<string, number>()
  return {
    use(key, expiresAt, now) {
      const existing = marks.get(key)
      if (existing !== undefined && existing > now) return false
      if (existing !== undefined) marks.delete(key)
      if (marks.size >= maxEntries) {
        for (const [oldKey, until] of marks) if (until <= now) marks.delete(oldKey)
        if (marks.size >= maxEntries) marks.delete(marks.keys().next().value as string)
      }
      marks.set(key, expiresAt)
      return true
    },
  }
}

/** The part of `tessera-oidc/server`'s `store.records` a replay store needs (structurally: no storage import). */
export interface RecordPutter {
  /** Stores the record; rejects with an error named `StorageConflictError` when its key exists (the replay). */
  put(kind: { readonly name: string }, record: { key: string; value: Record<string, never>; expiresAt: number }): Promise<void>
}

/**
 * A replay store over the authorization server's `store.records` (SQL, PostgreSQL + Redis): "add if
 * absent" per proof, so every instance of the API sharing the store sees every proof.
 *
 * @example createResourceServer({ issuer, audience, dpop: { replayStore: recordsDpopReplayStore(store.records) } })
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.1
 */
export function recordsDpopReplayStore(records: RecordPutter): DpopReplayStore {
  const kind = { name: 'dpop-rs-proof' }
  return {
    async use(key, expiresAt) {
      try {
        await records.put(kind, { key, value: {}, expiresAt })
        return true
      } catch (error) {
        if (error instanceof Error && error.name === 'StorageConflictError') return false
        throw error
      }
    },
  }
}

/** Every refusal of the DPoP scheme is a 401 at a resource server (RFC 9449 §7.1). */
export function asDpopRefusal(error: OAuthError): OAuthError {
  return error.status === 401 ? error : new OAuthError(error.error, error.description, { status: 401, ...(error.detail !== undefined ? { detail: error.detail } : {}) })
}

/**
 * Checks the proof of a request that presents `token` under the `DPoP` scheme (RFC 9449 §7): one proof,
 * valid for this method and URL with `ath` of the token, not seen before; the token must be bound to
 * the proof's key. Throws `invalid_dpop_proof`, `use_dpop_nonce` or `invalid_token`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export async function checkDpopRequest(dpop: ResolvedDpop, request: OAuthRequest, token: string, principal: Principal, now: number): Promise<ValidatedDpopProof> {
  const proof = dpopProofFrom(request.headers.get('dpop'))
  if (proof === undefined) throw new OAuthError('invalid_dpop_proof', 'A DPoP proof is required with the DPoP scheme', { status: 401 })
  const validated = await validateDpopProof(proof, {
    method: request.method,
    url: `${dpop.origin}${request.url.pathname}`,
    algorithms: dpop.algorithms,
    now,
    accessToken: token,
    nonces: dpop.nonces,
  })
  const jkt = boundKey(principal)
  // An unbound token under the DPoP scheme is refused: it would pass for bound where it is not (catalogue DP-06).
  if (jkt === undefined) throw new OAuthError('invalid_token', 'The access token is not DPoP-bound', { detail: 'no cnf.jkt' })
  if (jkt !== validated.jkt) throw new OAuthError('invalid_dpop_proof', 'The DPoP proof is not made with the key the token is bound to', { status: 401 })
  if (!(await dpop.replay.use(validated.replayKey, validated.replayUntil, now))) {
    throw new OAuthError('invalid_dpop_proof', 'The DPoP proof was already used', { status: 401, detail: 'replayed jti' })
  }
  return validated
}

/** RFC 9449 §6: the thumbprint a token is bound to, from its `cnf` claim (JWT) or introspection member. */
export function boundKey(principal: Principal): string | undefined {
  const cnf = principal.claims.cnf
  if (typeof cnf !== 'object' || cnf === null) return undefined
  const jkt = (cnf as Record<string, unknown>).jkt
  return typeof jkt === 'string' ? jkt : undefined
}

export function resolveDpop(options: DpopResourceOptions, audience: string, fail: (field: string, problem: string) => Error): ResolvedDpop {
  let origin = options.externalOrigin
  if (origin === undefined) {
    try {
      const url = new URL(audience)
      if (url.protocol === 'https:' || url.protocol === 'http:') origin = url.origin
    } catch {
      origin = undefined
    }
    if (origin === undefined) throw fail('dpop.externalOrigin', 'is required when the audience is not an http(s) URL')
  } else {
    let url: URL
    try {
      url = new URL(origin)
    } catch {
      throw fail('dpop.externalOrigin', `must be an origin such as "https://api.example.com", got ${JSON.stringify(origin)}`)
    }
    if (url.origin !== origin.replace(/\/$/, '')) throw fail('dpop.externalOrigin', `must be an origin without path, query or fragment, got ${JSON.stringify(origin)}`)
    origin = url.origin
  }
  const algorithms = options.algorithms ?? [...DPOP_ALGORITHMS]
  if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((alg) => !DPOP_ALGORITHMS.includes(alg) && !['ES384', 'ES512', 'PS384', 'PS512', 'RS384', 'RS512'].includes(alg))) {
    throw fail('dpop.algorithms', `must list asymmetric JWS algorithms, e.g. ${JSON.stringify(DPOP_ALGORITHMS)}`)
  }
  if (options.nonceSecret !== undefined && (typeof options.nonceSecret !== 'string' || options.nonceSecret.length < 32)) {
    throw fail('dpop.nonceSecret', 'must be at least 32 characters')
  }
  return {
    origin,
    algorithms,
    // The label keeps this API's nonces apart from the authorization server's and other APIs'.
    nonces: options.nonceSecret !== undefined ? timeDerivedNonces(options.nonceSecret, `rs|${audience}`) : undefined,
    replay: options.replayStore ?? memoryDpopReplayStore(options.maxReplayEntries),
  }
}
