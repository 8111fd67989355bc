import { VerificationCache } from '../../cache/verification-cache.js'
import type { KeyResolver } from '../../jwt/verify.js'
import type { AccessTokenClaims } from '../../protocol/rfc9068/access-token-claims.js'

/** Shared with the verification cache: read-only. */
export interface VerifiedAccessToken {
  readonly claims: Readonly<AccessTokenClaims>
  readonly scopes: readonly string[]
  /** Set for an opaque token: the hash its record is stored under (RFC 7009 revocation deletes it). */
  readonly opaqueHash?: string | undefined
}

/** Bound of the verification cache: at about 1 KiB an entry, a few MiB at most. */
const MAX_CACHED_VERIFICATIONS = 10_000

/**
 * A server's successful signature and claim checks of its own JWT access tokens, per key set: a rotation
 * or removal of keys gives the server a new resolver and so an empty cache, and no verification outlives
 * the token's `exp`. Revocation is not cached (see `verifyOwnAccessToken`). One per server, on its context.
 */
export class AccessTokenVerifications {
  readonly #now: () => number
  #resolver: KeyResolver | undefined
  #cache: VerificationCache<VerifiedAccessToken>

  constructor(now: () => number) {
    this.#now = now
    this.#cache = new VerificationCache(MAX_CACHED_VERIFICATIONS, now)
  }

  /** The cache of checks made with `resolver`'s keys; a new resolver starts an empty one. */
  for(resolver: KeyResolver): VerificationCache<VerifiedAccessToken> {
    if (resolver !== this.#resolver) {
      this.#resolver = resolver
      this.#cache = new VerificationCache(MAX_CACHED_VERIFICATIONS, this.#now)
    }
    return this.#cache
  }
}
