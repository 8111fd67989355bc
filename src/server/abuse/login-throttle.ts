import { addressGroup } from './address-group.js'
import type { CounterStore } from './counter.js'

/** When failed sign-ins are delayed and an account locked, per account and per client address. */
export interface LoginThrottlePolicy {
  /** Failures per account before each further attempt is delayed. */
  delayAfter: number
  /** Failures per account before the account is locked for `lockSeconds`. */
  lockAfter: number
  /** The lock is temporary, so an attacker cannot lock a user out for good (ASVS 6.3.1). */
  lockSeconds: number
  /** Failures per client address within `windowSeconds`, across all accounts (credential stuffing). */
  perAddress: number
  windowSeconds: number
  /**
   * Wrong second-factor codes per account before it is refused for `lockSeconds` (catalogue MF-01): counted
   * per user, across login transactions and addresses. Optional for policies written before it; default 5.
   */
  secondFactorLockAfter?: number
}

/** The login throttle used when the configuration names none. */
export const DEFAULT_LOGIN_POLICY: LoginThrottlePolicy = {
  delayAfter: 3,
  lockAfter: 10,
  lockSeconds: 900,
  perAddress: 50,
  windowSeconds: 900,
  secondFactorLockAfter: 5,
}

export type LoginGate = { allowed: true; delayMs: number } | { allowed: false; retryAfter: number }

/**
 * Login throttling per account and per client address (ASVS 6.3.1, catalogue RL-01): a progressive
 * delay after a few failures, then a temporary lock. Usernames are counted whether or not they exist,
 * so the answers cannot tell an unknown user from a wrong password.
 */
export class LoginThrottle {
  readonly #counters: CounterStore
  readonly #policy: LoginThrottlePolicy

  constructor(counters: CounterStore, policy: LoginThrottlePolicy = DEFAULT_LOGIN_POLICY) {
    this.#counters = counters
    this.#policy = policy
  }

  /** Whether an attempt may proceed now, and how long to hold the answer. */
  async check(username: string, address: string | undefined, now: number): Promise<LoginGate> {
    const [account, client] = await Promise.all([
      this.#counters.get(accountKey(username), now),
      address ? this.#counters.get(addressKey(address), now) : Promise.resolve(undefined),
    ])
    if (account && account.count >= this.#policy.lockAfter) return { allowed: false, retryAfter: Math.max(1, account.resetAt - now) }
    if (client && client.count >= this.#policy.perAddress) return { allowed: false, retryAfter: Math.max(1, client.resetAt - now) }
    const excess = (account?.count ?? 0) - this.#policy.delayAfter
    // 250 ms, 500 ms, 1 s … capped at 4 s: cheap for a user, expensive for a guessing loop.
    return { allowed: true, delayMs: excess < 0 ? 0 : Math.min(4000, 250 * 2 ** excess) }
  }

  async failed(username: string, address: string | undefined, now: number): Promise<void> {
    await this.#counters.increment(accountKey(username), this.#policy.lockSeconds, now)
    if (address) await this.#counters.increment(addressKey(address), this.#policy.windowSeconds, now)
  }

  /** A successful login clears the account's failures (not the address's). */
  async succeeded(username: string): Promise<void> {
    await this.#counters.reset(accountKey(username))
  }

  /**
   * Whether a second-factor code may be tried for the user now. Keyed by user id, never by what a request
   * names: a new login transaction, another address or a forwarded header does not start a new count
   * (RFC 4226 §7.3, RFC 6238 §5.2; catalogue MF-01). No growing delay: six-digit codes are refused outright
   * after a few failures, so a guess inside the lock cannot succeed either.
   */
  async checkSecondFactor(userId: string, now: number): Promise<LoginGate> {
    const window = await this.#counters.get(secondFactorKey(userId), now)
    const limit = this.#policy.secondFactorLockAfter ?? 5
    if (window && window.count >= limit) return { allowed: false, retryAfter: Math.max(1, window.resetAt - now) }
    return { allowed: true, delayMs: 0 }
  }

  async secondFactorFailed(userId: string, now: number): Promise<void> {
    await this.#counters.increment(secondFactorKey(userId), this.#policy.lockSeconds, now)
  }

  async secondFactorSucceeded(userId: string): Promise<void> {
    await this.#counters.reset(secondFactorKey(userId))
  }

  /**
   * Whether a passkey assertion may be checked now: for the client address (an IPv6 address by its /64,
   * so rotating within one network buys nothing) and, once known, the user — the pending second step's,
   * or the owner of the credential a discoverable sign-in names. Same limits as the password form
   * (`lockAfter` per user, `perAddress` per address), counted apart from it: a passkey is no guessable
   * secret, but a stream of refused assertions is a probe (cloned keys, replayed responses) worth stopping.
   */
  async checkPasskey(userId: string | undefined, address: string | undefined, now: number): Promise<LoginGate> {
    const [user, client] = await Promise.all([
      userId !== undefined ? this.#counters.get(passkeyUserKey(userId), now) : Promise.resolve(undefined),
      address !== undefined ? this.#counters.get(passkeyAddressKey(address), now) : Promise.resolve(undefined),
    ])
    if (user && user.count >= this.#policy.lockAfter) return { allowed: false, retryAfter: Math.max(1, user.resetAt - now) }
    if (client && client.count >= this.#policy.perAddress) return { allowed: false, retryAfter: Math.max(1, client.resetAt - now) }
    return { allowed: true, delayMs: 0 }
  }

  /** Counts a refused assertion; answers which limits this failure just reached (for the audit trail). */
  async passkeyFailed(userId: string | undefined, address: string | undefined, now: number): Promise<{ user: boolean; address: boolean }> {
    const user = userId !== undefined ? await this.#counters.increment(passkeyUserKey(userId), this.#policy.lockSeconds, now) : undefined
    const client = address !== undefined ? await this.#counters.increment(passkeyAddressKey(address), this.#policy.windowSeconds, now) : undefined
    return { user: user?.count === this.#policy.lockAfter, address: client?.count === this.#policy.perAddress }
  }

  /** An accepted assertion clears the user's passkey failures (not the address's). */
  async passkeySucceeded(userId: string): Promise<void> {
    await this.#counters.reset(passkeyUserKey(userId))
  }
}

function passkeyUserKey(userId: string): string {
  return `passkey:account:${userId}`
}

function passkeyAddressKey(address: string): string {
  return `passkey:address:${addressGroup(address)}`
}

// Its own prefix: a typed username can never name a second-factor window.
function secondFactorKey(userId: string): string {
  return `mfa:account:${userId}`
}

function accountKey(username: string): string {
  return `login:account:${username.toLowerCase()}`
}

function addressKey(address: string): string {
  return `login:address:${address}`
}
