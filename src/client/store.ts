/**
 * Server-side state of the relying party: pending logins (transactions) and logged-in sessions. Keys are
 * SHA-256 hashes of what the browser holds (the `state`, the session id), so a leaked database does not
 * yield working cookies; secrets inside records (PKCE verifier, nonce, tokens) are sealed with the app
 * secret before they reach the store.
 *
 * Implementations: ./memory-store.ts (one process, tests), ./sqlite-store.ts (one instance), and for an app
 * running as several instances, which must all see the same transactions and sessions,
 * ./postgres-store.ts and ./redis-store.ts. The SQL ones share ./sql-store.ts.
 *
 * @see test/client/store-contract.ts: the contract suite every implementation passes
 */
export interface TransactionRecord {
  /** SHA-256 of the `state` sent to the provider. */
  key: string
  provider: string
  /** Sealed JSON of the transaction's secrets and parameters. */
  sealed: string
  created_at: number
  expires_at: number
}

/** A logged-in user's session as the relying party stores it (tokens encrypted). */
export interface SessionRecord {
  /** SHA-256 of the session id in the cookie. */
  key: string
  provider: string
  /** Identity is (issuer, subject), never the email address. */
  issuer: string
  subject: string
  /**
   * The provider's session id (`sid` of the ID token, OIDC Back-Channel Logout §2.4), by which a logout
   * token names the sessions to end; null or absent when the provider sent none.
   */
  sid?: string | null
  /** JSON of the `ClientUser`. */
  user: string
  /** Sealed JSON of the `TokenSet`. */
  tokens: string
  /**
   * How many times `tokens` was written since the session started: 0 (or absent) at `save`, one more at
   * each `updateTokens`/`replaceTokens`. `replaceTokens` compares on it, so that of two instances that
   * refreshed the same tokens only the first one's result is kept. Stores always return it.
   */
  tokens_version?: number
  created_at: number
  /** Last use of the session (`touch`) or change of its tokens: what the idle timeout counts from. */
  updated_at: number
  expires_at: number
}

/** A session's refresh lease while this instance holds it (`RelyingPartyStore.sessions.refreshLease`). */
export interface RefreshLease {
  /** Gives the lease up now; a no-op when it has expired and another instance holds the session's lease. */
  release(): Promise<void>
}

/**
 * What the relying party keeps between requests: login transactions and sessions (named apart from the
 * authorization server's store of registered clients, `ClientStore` in ../storage/types.ts).
 *
 * A custom store implements every member: `replaceTokens` and `refreshLease` (added with issue 21) are
 * what keeps several instances from refreshing one session at once, which a provider with refresh-token
 * rotation and reuse detection answers by revoking the session's tokens (RFC 9700 §4.14.2).
 *
 * @example const oauth = createOAuth({ store: createMemoryClientStore(), secret })
 */
export interface RelyingPartyStore {
  transactions: {
    /** Stores a login transaction until its callback. */
    save(record: TransactionRecord): Promise<void>
    /**
     * Removes and returns the record in one atomic step, expired or not (the caller tells the two apart):
     * of two concurrent callers exactly one gets it (RFC 6749 §10.12, state is single use). An expired
     * record may already be gone (`purgeExpired`, or Redis's TTL), which the caller sees as unknown.
     */
    consume(key: string): Promise<TransactionRecord | undefined>
  }
  sessions: {
    /** Stores a new session. */
    save(record: SessionRecord): Promise<void>
    /** A live session (`expires_at > now`) or undefined. */
    get(key: string, now: number): Promise<SessionRecord | undefined>
    /** Replaces a session's encrypted tokens unconditionally (and counts the write in `tokens_version`). */
    updateTokens(key: string, tokens: string, now: number): Promise<void>
    /**
     * Compare-and-set of a session's tokens after a refresh: writes `tokens`, `tokens_version = version + 1`
     * and `updated_at = now` only if the stored `tokens_version` is still `version`, in one atomic step.
     * False when another write came first or the session is gone: a refresh that outlived its lease never
     * overwrites the newer token set of the instance that took over (and never recreates an ended session).
     */
    replaceTokens(key: string, tokens: string, version: number, now: number): Promise<boolean>
    /**
     * Takes the session's refresh lease for `ttlMs` milliseconds, across every instance sharing the store:
     * undefined while another holder's lease is live. A lease ends at `release()` (which removes it only
     * while it is still this holder's: each lease carries its own random fencing value) or when `ttlMs` has
     * passed, so a holder that dies never blocks the session for longer than that.
     */
    refreshLease(key: string, ttlMs: number): Promise<RefreshLease | undefined>
    /** Records a use of the session (`updated_at = now`), for the idle timeout. */
    touch(key: string, now: number): Promise<void>
    /** Ends a session. */
    delete(key: string): Promise<void>
    /**
     * Ends every session from `issuer` that matches a logout token (Back-Channel Logout §2.7): with `sid`,
     * those of that provider session (and of `subject` too when it is given); with `subject` alone, all of
     * that user's. Returns how many ended. Indexed in every store, so it costs no scan.
     */
    endByProviderSession(issuer: string, match: { sid?: string | undefined; subject?: string | undefined }): Promise<number>
  }
  /** Logout tokens already acted on (Back-Channel Logout §2.6 `jti`), so a replay is refused on every instance. */
  logoutTokens: {
    /** Remembers `key` until `expiresAt`; false when it is already remembered (a replay): "add if absent", atomic. */
    remember(key: string, expiresAt: number): Promise<boolean>
  }
  /** Deletes expired transactions and sessions. */
  purgeExpired(now: number): Promise<void>
  /** Releases the store's connections. */
  close(): Promise<void>
}
