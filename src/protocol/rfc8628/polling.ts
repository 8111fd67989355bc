/**
 * RFC 8628 §3.5: the errors a device polling the token endpoint gets before (or instead of) its tokens.
 * `authorization_pending` and `slow_down` mean "poll again"; the others end the flow.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export type DevicePollingError = 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token'

/** RFC 8628 §3.5: `slow_down` raises the polling interval by 5 seconds, for this and every later request. */
export const SLOW_DOWN_SECONDS = 5

/** RFC 8628 §3.2: the interval a client uses when the server names none. */
export const DEFAULT_INTERVAL_SECONDS = 5

/** What the server remembers of a device code's polling. */
export interface PollingState {
  /** Unix seconds of the previous poll; null before the first. */
  readonly lastPolledAt: number | null
  /** Seconds the client must wait between polls (the advertised `interval`, raised by every `slow_down`). */
  readonly interval: number
}

/**
 * The server's side of §3.5: whether a poll at `now` came too soon after the previous one, and the state to
 * remember. A poll too soon gets `slow_down` and the interval grows by 5 s for this device code; a poll at
 * the interval (or later) is on time whatever the clock's second boundaries did to it.
 *
 * @example judgePoll({ lastPolledAt: 100, interval: 5 }, 102) // { tooSoon: true, next: { lastPolledAt: 102, interval: 10 } }
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export function judgePoll(state: PollingState, now: number): { tooSoon: boolean; next: PollingState } {
  const tooSoon = state.lastPolledAt !== null && now - state.lastPolledAt < state.interval
  return { tooSoon, next: { lastPolledAt: now, interval: tooSoon ? state.interval + SLOW_DOWN_SECONDS : state.interval } }
}

/**
 * The client's side of §3.5: seconds to wait before the next poll, given the current interval and the
 * error the last poll got (undefined: keep going at the interval). Throws for errors that end the flow.
 *
 * @example nextPollInterval(5, 'slow_down') // 10
 */
export function nextPollInterval(interval: number, error: string | undefined): number {
  if (error === undefined || error === 'authorization_pending') return interval
  if (error === 'slow_down') return interval + SLOW_DOWN_SECONDS
  throw new TypeError(`the device flow ended: ${error}`)
}
