import type { AuditEvent } from '../audit/events.js'
import type { RequestObservation, ServerObserver } from '../observer.js'
import { importOptional, OPTIONAL_MODULES } from '../../crypto/optional-module.js'

/** Options of `createPrometheusMetrics`. */
export interface PrometheusMetricsOptions {
  /** Prefix of every metric name; default `tessera_`. */
  prefix?: string
  /** The process's CPU, memory, event-loop lag and GC metrics (prom-client's defaults); default true. */
  processMetrics?: boolean
  /** A store to ping at each scrape: `tessera_store_up` 1 or 0, and how long the ping took. */
  store?: {
    /** Resolves once the store answers, rejects when it cannot. */
    ping(): Promise<void>
  }
  /** How long a scrape waits for the store's ping before reporting it down; default 1 000 ms. */
  storePingTimeoutMs?: number
}

/** Prometheus metrics of a server: its observer and the exposition. */
export interface PrometheusMetrics {
  /** Pass as the server's `observer` (`createAuthorizationServer({ observer })`). */
  readonly observer: ServerObserver
  /** `Content-Type` of the exposition (Prometheus text format 0.0.4). */
  readonly contentType: string
  /** The exposition text, for the `/metrics` answer. */
  render(): Promise<string>
}

// Seconds. From a cached JWKS answer (sub-millisecond) to an Argon2id login (a few hundred milliseconds).
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
// Label values come from the request only through this list, so a client cannot grow the series count.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])

/**
 * Prometheus metrics of an authorization server through prom-client, loaded only when metrics are asked
 * for. Every label value is bounded: endpoint names come from the registry, methods from a fixed list,
 * grant types and event types from the server's own code — never a URL, a client id or a user.
 *
 * @example
 * ```ts
 * const metrics = await createPrometheusMetrics({ store })
 * const server = await createAuthorizationServer({ ...config, observer: metrics.observer })
 * app.get('/metrics', async (c) => c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType }))
 * ```
 */
export async function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): Promise<PrometheusMetrics> {
  const prom = await importOptional('Prometheus metrics', OPTIONAL_MODULES.promClient)
  const prefix = options.prefix ?? 'tessera_'
  // A registry of its own: two servers in one process (tests, blue/green) never share or clash.
  const registry = new prom.Registry()
  if (options.processMetrics ?? true) prom.collectDefaultMetrics({ register: registry, prefix })

  const requests = new prom.Counter({
    name: `${prefix}http_requests_total`, help: 'Requests answered, by endpoint, method and status.',
    labelNames: ['endpoint', 'method', 'status'] as const, registers: [registry],
  })
  const latency = new prom.Histogram({
    name: `${prefix}http_request_duration_seconds`, help: 'Time to answer a request, by endpoint.',
    labelNames: ['endpoint'] as const, buckets: LATENCY_BUCKETS, registers: [registry],
  })
  const rateLimited = new prom.Counter({
    name: `${prefix}rate_limited_total`, help: 'Requests refused by an abuse limit (HTTP 429), by endpoint.',
    labelNames: ['endpoint'] as const, registers: [registry],
  })
  const tokens = new prom.Counter({
    name: `${prefix}tokens_issued_total`, help: 'Access tokens issued, by grant type.',
    labelNames: ['grant_type'] as const, registers: [registry],
  })
  const logins = new prom.Counter({
    name: `${prefix}logins_total`, help: 'Sign-in attempts at the login page, by outcome (and reason of a failure).',
    labelNames: ['outcome', 'reason'] as const, registers: [registry],
  })
  const events = new prom.Counter({
    name: `${prefix}audit_events_total`, help: 'Audit events recorded, by type.',
    labelNames: ['type'] as const, registers: [registry],
  })
  const { store } = options
  if (store) {
    const timeoutMs = options.storePingTimeoutMs ?? 1000
    const pingSeconds = new prom.Gauge({ name: `${prefix}store_ping_seconds`, help: 'Time the last store ping took.', registers: [registry] })
    new prom.Gauge({
      name: `${prefix}store_up`, help: '1 when the store answered a ping within the timeout at this scrape, else 0.', registers: [registry],
      async collect() {
        const started = process.hrtime.bigint()
        const up = await pingWithin(store, timeoutMs)
        pingSeconds.set(Number(process.hrtime.bigint() - started) / 1e9)
        this.set(up ? 1 : 0)
      },
    })
  }

  const observer: ServerObserver = {
    request({ endpoint, method, status, seconds }: RequestObservation) {
      requests.inc({ endpoint, method: METHODS.has(method) ? method : 'other', status: String(status) })
      latency.observe({ endpoint }, seconds)
      if (status === 429) rateLimited.inc({ endpoint })
    },
    event(event: AuditEvent) {
      events.inc({ type: event.type })
      if (event.type === 'token.issued') tokens.inc({ grant_type: event.grant_type })
      else if (event.type === 'login.succeeded') logins.inc({ outcome: 'succeeded', reason: '' })
      else if (event.type === 'login.failed') logins.inc({ outcome: 'failed', reason: event.reason })
    },
  }
  return { observer, contentType: registry.contentType, render: () => registry.metrics() }
}

async function pingWithin(store: { ping(): Promise<void> }, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs)
  })
  try {
    return await Promise.race([store.ping().then(() => true, () => false), timeout])
  } finally {
    clearTimeout(timer)
  }
}
