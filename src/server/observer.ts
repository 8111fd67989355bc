import type { AuditEvent } from './audit/events.js'

/** One answered request, as an observer sees it: no URL, header or parameter, so nothing secret. */
export interface RequestObservation {
  /** The endpoint's name in the registry (`token`, `authorization`…), or `unknown` for paths no endpoint serves. */
  endpoint: string
  /**
   * The endpoint's path template as the router matched it (base path included, e.g. `/token`), for
   * OpenTelemetry's `http.route`; absent for paths no endpoint serves.
   */
  route?: string
  /** The request's HTTP method, as the client sent it (an observer bounds the values it keeps). */
  method: string
  /** The response's HTTP status. */
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
  /** Every answered request, once its response is ready. */
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

/**
 * One observer that passes everything to each of `observers` in turn, so a server can have metrics and
 * tracing at once. One that throws does not keep the others from seeing the request.
 *
 * @example
 * ```ts
 * const observer = combineObservers(metrics.observer, createOpenTelemetryObserver())
 * const server = await createAuthorizationServer({ ...config, observer })
 * ```
 */
export function combineObservers(...observers: readonly (ServerObserver | undefined)[]): ServerObserver {
  const requests = observers.flatMap((observer) => (observer?.request ? [observer.request.bind(observer)] : []))
  const events = observers.flatMap((observer) => (observer?.event ? [observer.event.bind(observer)] : []))
  return {
    ...(requests.length > 0 ? { request: (observation: RequestObservation) => { for (const observe of requests) safely(observe, observation) } } : {}),
    ...(events.length > 0 ? { event: (event: AuditEvent) => { for (const observe of events) safely(observe, event) } } : {}),
  }
}
