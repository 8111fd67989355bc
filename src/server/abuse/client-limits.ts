import { OAuthError } from '../../errors.js'
import type { CounterStore } from './counter.js'

/**
 * Limits at the token, introspection and revocation endpoints (RFC 6749 §10.10, RFC 7662 §4; catalogue
 * RL-02, RL-03). They count failures, not traffic: a legitimate client that sends thousands of good
 * requests a second never meets them, while guessing secrets, codes, refresh tokens or introspected tokens
 * is slowed to a trickle. Every counter is keyed so that one party's failures never lock out another client.
 */
export interface ClientLimitPolicy {
  /** Failed client authentications per client address and client id within `windowSeconds`. */
  authFailuresPerClientAddress: number
  /** Failed client authentications per client address, across client ids (a spray over many ids). */
  authFailuresPerAddress: number
  /**
   * `invalid_grant` answers per client and client address (random codes or refresh tokens). Keyed by
   * address too: anyone may present a public client's id, and must not be able to lock it out.
   */
  grantFailuresPerClient: number
  /** Introspections answered `{"active": false}` per client (token scanning, RFC 7662 §4). */
  inactiveIntrospectionsPerClient: number
  /** Counting window of the failure limits, seconds. */
  windowSeconds: number
  /** Optional traffic cap: token, introspection and revocation requests per client per `requestWindowSeconds`; 0 = none. */
  requestsPerClient: number
  requestWindowSeconds: number
}

/** High enough that no working client meets them; low enough that 1 000 guesses end in 429s. */
export const DEFAULT_CLIENT_LIMITS: ClientLimitPolicy = {
  authFailuresPerClientAddress: 20,
  authFailuresPerAddress: 200,
  grantFailuresPerClient: 100,
  inactiveIntrospectionsPerClient: 300,
  windowSeconds: 300,
  requestsPerClient: 0,
  requestWindowSeconds: 60,
}

/**
 * Thrown when a limit is reached. RFC 6749 defines no code for it; `temporarily_unavailable` is the
 * registered code that says "retry later" (RFC 6749 §4.1.2.1), where `invalid_request` would tell a client
 * its request is wrong. Status 429 with `Retry-After` per RFC 6585 §4.
 */
export class RateLimitedError extends OAuthError {
  readonly retryAfter: number

  constructor(retryAfter: number, detail: string) {
    super('temporarily_unavailable', 'Too many requests; retry later', { status: 429, detail })
    this.retryAfter = retryAfter
  }
}

/** Validates a partial policy, naming the bad field. */
export function resolveClientLimits(partial: Partial<ClientLimitPolicy> | undefined): ClientLimitPolicy {
  const policy = { ...DEFAULT_CLIENT_LIMITS, ...partial }
  for (const [name, value] of Object.entries(policy)) {
    const positive = name.endsWith('Seconds') || name !== 'requestsPerClient'
    if (!Number.isInteger(value) || value < 0 || (positive && value === 0)) {
      throw new TypeError(`${name} must be a ${positive ? 'positive' : 'non-negative'} integer`)
    }
  }
  return policy
}

export class ClientLimits {
  readonly #counters: CounterStore
  readonly #policy: ClientLimitPolicy

  constructor(counters: CounterStore, policy: ClientLimitPolicy = DEFAULT_CLIENT_LIMITS) {
    this.#counters = counters
    this.#policy = policy
  }

  /**
   * Before a client authentication. `clientId` is read lazily, only once the address has failed at all,
   * so the common path costs one counter lookup.
   */
  async admitAuthentication(address: string | undefined, clientId: () => string | undefined, now: number): Promise<void> {
    if (address === undefined) return
    const spray = await this.#counters.get(authAddressKey(address), now)
    if (!spray) return
    this.#refuse(spray, this.#policy.authFailuresPerAddress, now, `client authentications from ${address} failed ${spray.count} times`)
    const id = clientId()
    if (id === undefined) return
    const single = await this.#counters.get(authClientKey(address, id), now)
    this.#refuse(single, this.#policy.authFailuresPerClientAddress, now, `client ${id} failed authentication from ${address}`)
  }

  async authenticationFailed(address: string | undefined, clientId: string | undefined, now: number): Promise<void> {
    if (address === undefined) return
    const window = this.#policy.windowSeconds
    await Promise.all([
      this.#counters.increment(authAddressKey(address), window, now),
      clientId === undefined ? undefined : this.#counters.increment(authClientKey(address, clientId), window, now),
    ])
  }

  /** After authentication: the optional traffic cap (off by default). */
  async countRequest(clientId: string, now: number): Promise<void> {
    if (this.#policy.requestsPerClient === 0) return
    const window = await this.#counters.increment(`client:requests:${JSON.stringify(clientId)}`, this.#policy.requestWindowSeconds, now)
    if (window.count > this.#policy.requestsPerClient) this.#refuse(window, this.#policy.requestsPerClient, now, `client ${clientId} exceeded its request rate`)
  }

  /**
   * A traffic cap per client address on an endpoint anyone may call without credentials (dynamic
   * registration, catalogue RL-04): counts the request and refuses it once `limit` is passed in the window.
   */
  async countAddressRequest(endpoint: string, address: string | undefined, limit: number, windowSeconds: number, now: number): Promise<void> {
    if (address === undefined) return
    const window = await this.#counters.increment(`requests:${endpoint}:${address}`, windowSeconds, now)
    if (window.count > limit) this.#refuse(window, limit, now, `${address} exceeded the request rate of ${endpoint}`)
  }

  async admitGrant(clientId: string, address: string | undefined, now: number): Promise<void> {
    const window = await this.#counters.get(grantKey(clientId, address), now)
    this.#refuse(window, this.#policy.grantFailuresPerClient, now, `client ${clientId} had too many invalid grants`)
  }

  async grantFailed(clientId: string, address: string | undefined, now: number): Promise<void> {
    await this.#counters.increment(grantKey(clientId, address), this.#policy.windowSeconds, now)
  }

  async admitIntrospection(clientId: string, now: number): Promise<void> {
    const window = await this.#counters.get(`introspect:inactive:${JSON.stringify(clientId)}`, now)
    this.#refuse(window, this.#policy.inactiveIntrospectionsPerClient, now, `client ${clientId} introspected too many inactive tokens`)
  }

  async introspectedInactive(clientId: string, now: number): Promise<void> {
    await this.#counters.increment(`introspect:inactive:${JSON.stringify(clientId)}`, this.#policy.windowSeconds, now)
  }

  /**
   * Refuses (429) while any of `keys` has reached `limit` failures: for values a person types, such as
   * RFC 8628 user codes (§5.1), counted per source and per account by the caller. Failures are never reset
   * by a success, so a right guess does not buy more wrong ones.
   */
  async admitGuesses(keys: readonly string[], limit: number, now: number): Promise<void> {
    for (const key of keys) this.#refuse(await this.#counters.get(`guess:${key}`, now), limit, now, `too many wrong guesses for ${key}`)
  }

  async guessFailed(keys: readonly string[], windowSeconds: number, now: number): Promise<void> {
    await Promise.all(keys.map((key) => this.#counters.increment(`guess:${key}`, windowSeconds, now)))
  }

  #refuse(window: { count: number; resetAt: number } | undefined, limit: number, now: number, detail: string): void {
    if (window && window.count >= limit) throw new RateLimitedError(Math.max(1, window.resetAt - now), detail)
  }
}

// Client ids are URL-safe in practice but come from the request: length-bounded by the parameter limits,
// and JSON-quoted so that no id can forge another key.
function authAddressKey(address: string): string {
  return `client-auth:address:${address}`
}

function authClientKey(address: string, clientId: string): string {
  return `client-auth:pair:${address}:${JSON.stringify(clientId)}`
}

function grantKey(clientId: string, address: string | undefined): string {
  return `grant:failed:${JSON.stringify(clientId)}:${address ?? ''}`
}
