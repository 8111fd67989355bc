/** Options of `deviceAuthorization`; every one has a default. */
export interface DeviceAuthorizationOptions {
  /** Seconds a device code and its user code stay usable (RFC 8628 §3.2 `expires_in`; default 600, from 60 to 900: a short-lived user code is what makes 34 bits enough). */
  readonly lifetimeSeconds?: number
  /** Seconds a device waits between polls (§3.2 `interval`; default 5, from 1 to 60). */
  readonly intervalSeconds?: number
  /**
   * Wrong user codes per client address (IPv6 by /64) and per signed-in user within `windowSeconds` before
   * the verification page answers 429 (§5.1; default 10).
   */
  readonly userCodeFailures?: number
  /** Counting window of `userCodeFailures`, seconds (default 900). */
  readonly windowSeconds?: number
}

export interface ResolvedDeviceAuthorizationOptions {
  readonly lifetimeSeconds: number
  readonly intervalSeconds: number
  readonly userCodeFailures: number
  readonly windowSeconds: number
}

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new TypeError(`deviceAuthorization: ${name} must be an integer from ${min} to ${max}`)
  return value
}

/** Validated once, at construction; a bad value names its field. */
export function resolveDeviceAuthorizationOptions(options: DeviceAuthorizationOptions = {}): ResolvedDeviceAuthorizationOptions {
  return {
    // §5.1/§6.1: a short-lived user code is what makes 34 bits enough.
    lifetimeSeconds: integer('lifetimeSeconds', options.lifetimeSeconds ?? 600, 60, 900),
    intervalSeconds: integer('intervalSeconds', options.intervalSeconds ?? 5, 1, 60),
    userCodeFailures: integer('userCodeFailures', options.userCodeFailures ?? 10, 1, 1000),
    windowSeconds: integer('windowSeconds', options.windowSeconds ?? 900, 1, 86_400),
  }
}
