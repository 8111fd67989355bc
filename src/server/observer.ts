import type { AuditEvent } from './audit/events.js'

/** One answered request, as an observer sees it: no URL, header or parameter, so nothing secret. */
export interface RequestObservation {
  /** The endpoint's name in the registry (`token`, `authorization`…), or `unknown` for paths no endpoint serves. */
  endpoint: string
  method: string
  status: number
  /** Wall time from the request reaching `server.handle` to its response, in seconds. */
  seconds: number
}

/**
 * Watches the server from outside its protocol logic: metrics (`createPrometheusMetrics`), tracing, tests.
 * Called synchronously on the request path, so an observer must be cheap and must not throw; what it
 * throws is caught and dropped.
 */
export interface ServerObserver {
  request?(observation: RequestObservation): void
  /** Every audit event, as it is recorded (the same shapes as `AuditEventMap`). */
  event?(event: AuditEvent): void
}

/** Calls `observe` and keeps an observer's failure out of the request. */
export function safely<T>(observe: ((value: T) => void) | undefined, value: T): void {
  if (!observe) return
  try {
    observe(value)
  } catch {
    // An observer is never allowed to break a request; its own logs say why it failed.
  }
}
