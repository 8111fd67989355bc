/**
 * Who may register clients at the registration endpoint (RFC 7591 §3): nobody (`off`, the default: the
 * capability is not registered at all), anyone (`open`), or holders of an initial access token created by
 * the operator (`token`, RFC 7591 §1.2 "initial access token").
 */
export type RegistrationPolicy = 'off' | 'open' | 'token'

/** Who may register clients dynamically (RFC 7591): nobody, anyone, or holders of an initial access token. */
export const REGISTRATION_POLICIES: readonly RegistrationPolicy[] = ['off', 'open', 'token']

/** Whether `value` names a registration policy. */
export function isRegistrationPolicy(value: string): value is RegistrationPolicy {
  return (REGISTRATION_POLICIES as readonly string[]).includes(value)
}

/** Options of `dynamicRegistration`; everything but `policy` has a default. */
export interface DynamicRegistrationOptions {
  readonly policy: Exclude<RegistrationPolicy, 'off'>
  /**
   * A dynamically registered client that obtains no token within this many seconds is gone (RFC 7591
   * registrations cost nothing to make; catalogue DR-15). Default 30 days.
   */
  readonly unusedClientSeconds?: number
  /**
   * Lifetime of the client secrets the registration endpoint issues, in seconds: the registration response's
   * `client_secret_expires_at` (RFC 7591 §3.2.1) is the time the secret stops authenticating, and an RFC
   * 7592 update (PUT) of a client whose secret has expired issues a new one. Default: secrets do not expire
   * (`client_secret_expires_at: 0`).
   */
  readonly clientSecretSeconds?: number
  /** Registration requests per client address and window (catalogue RL-04). Default 20 per hour. */
  readonly requestsPerAddress?: number
  readonly requestWindowSeconds?: number
  /**
   * Scopes a dynamically registered client may register (RFC 7591 §2 `scope`). Default: the scopes the
   * server advertises (`scopes_supported`); list fewer to keep privileged API scopes to vetted clients.
   */
  readonly scopes?: readonly string[]
}

export interface ResolvedRegistrationOptions {
  readonly policy: Exclude<RegistrationPolicy, 'off'>
  readonly unusedClientSeconds: number
  readonly clientSecretSeconds: number | undefined
  readonly requestsPerAddress: number
  readonly requestWindowSeconds: number
  readonly scopes: readonly string[] | undefined
}

const DAY = 24 * 3600

/** Validated once, at construction; a bad value names its field. */
export function resolveRegistrationOptions(options: DynamicRegistrationOptions): ResolvedRegistrationOptions {
  if (options.policy !== 'open' && options.policy !== 'token') throw new TypeError(`dynamicRegistration: policy must be open or token, got ${JSON.stringify(options.policy)}`)
  const resolved = {
    policy: options.policy,
    unusedClientSeconds: options.unusedClientSeconds ?? 30 * DAY,
    clientSecretSeconds: options.clientSecretSeconds,
    requestsPerAddress: options.requestsPerAddress ?? 20,
    requestWindowSeconds: options.requestWindowSeconds ?? 3600,
    scopes: options.scopes,
  }
  for (const name of ['unusedClientSeconds', 'requestsPerAddress', 'requestWindowSeconds'] as const) {
    const value = resolved[name]
    if (!Number.isInteger(value) || value <= 0) throw new TypeError(`dynamicRegistration: ${name} must be a positive integer`)
  }
  const secretSeconds = resolved.clientSecretSeconds
  if (secretSeconds !== undefined && (!Number.isInteger(secretSeconds) || secretSeconds <= 0)) {
    throw new TypeError('dynamicRegistration: clientSecretSeconds must be a positive integer (omit it for secrets that do not expire)')
  }
  return resolved
}
