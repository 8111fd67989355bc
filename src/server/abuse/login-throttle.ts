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
}

/** The login throttle used when the configuration names none. */
export const DEFAULT_LOGIN_POLICY: LoginThrottlePolicy = {
  delayAfter: 3,
  lockAfter: 10,
  lockSeconds: 900,
  perAddress: 50,
  windowSeconds: 900,
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
}

function accountKey(username: string): string {
  return `login:account:${username.toLowerCase()}`
}

function addressKey(address: string): string {
  return `login:address:${address}`
}
