import { ConfigError } from '../config.js'

/** Options of `backchannelLogout()`. */
export interface BackchannelLogoutOptions {
  /** Seconds a logout token is valid (`exp - iat`); default 120, the catalogue's upper bound (BL-01). */
  tokenLifetime?: number
  /** Milliseconds one delivery attempt may take, connection to answer; default 5,000. */
  timeoutMs?: number
  /**
   * Seconds to wait before each retry after a 5xx, a timeout or an unreachable receiver (a 4xx is final);
   * default `[2, 10, 30]`: four attempts within the token's lifetime.
   */
  retryDelays?: readonly number[]
}

export interface ResolvedBackchannelLogoutOptions {
  tokenLifetime: number
  timeoutMs: number
  retryDelays: readonly number[]
}

/** Checks the options once, naming the field and the fix. */
export function resolveBackchannelLogoutOptions(options: BackchannelLogoutOptions): ResolvedBackchannelLogoutOptions {
  const tokenLifetime = options.tokenLifetime ?? 120
  if (!Number.isInteger(tokenLifetime) || tokenLifetime < 10 || tokenLifetime > 600) throw new ConfigError('backchannelLogout.tokenLifetime', 'must be an integer between 10 and 600 seconds')
  const timeoutMs = options.timeoutMs ?? 5_000
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 30_000) throw new ConfigError('backchannelLogout.timeoutMs', 'must be an integer between 100 and 30000')
  const retryDelays = [...(options.retryDelays ?? [2, 10, 30])]
  if (retryDelays.length > 10 || retryDelays.some((delay) => !(delay >= 0 && delay <= 3600))) throw new ConfigError('backchannelLogout.retryDelays', 'must list at most 10 delays of 0 to 3600 seconds')
  return { tokenLifetime, timeoutMs, retryDelays }
}
