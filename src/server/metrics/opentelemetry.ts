import { readFileSync } from 'node:fs'
import { metrics, SpanKind, SpanStatusCode, trace, type Attributes, type Counter, type Meter, type Tracer } from '@opentelemetry/api'
import type { AuditEvent } from '../audit/events.js'
import type { RequestObservation, ServerObserver } from '../observer.js'

/** Options of `createOpenTelemetryObserver`; both default to the globally registered OpenTelemetry providers. */
export interface OpenTelemetryObserverOptions {
  /** The tracer spans are started on; default `trace.getTracer('tessera-oidc', <package version>)` of the global provider. */
  tracer?: Tracer
  /** The meter of the audit event counter; default `metrics.getMeter('tessera-oidc', <package version>)` of the global provider. */
  meter?: Meter
}

// OpenTelemetry HTTP semantic conventions: a method outside the known set is reported as `_OTHER`, so a
// client cannot grow the attribute's cardinality with made-up methods.
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE'])

/**
 * Traces an authorization server through `@opentelemetry/api`: one SERVER span per answered request,
 * named `tessera <endpoint>`, with `http.request.method`, `http.response.status_code`, `http.route` and
 * `tessera.endpoint` (status ERROR for a 5xx), and for every audit event a `tessera.audit` event on the
 * active span (the application's HTTP span, when its instrumentation made one) and a
 * `tessera.audit.events` counter — the event's type only, never a user, client or token. Without an
 * OpenTelemetry SDK registered by the application, the API is a no-op and so is this observer.
 *
 * @example
 * ```ts
 * const observer = combineObservers(metrics.observer, createOpenTelemetryObserver())
 * const server = await createAuthorizationServer({ ...config, observer })
 * ```
 * @see https://opentelemetry.io/docs/specs/semconv/http/http-spans/
 */
export function createOpenTelemetryObserver(options: OpenTelemetryObserverOptions = {}): ServerObserver {
  const version = packageVersion()
  const tracer = options.tracer ?? trace.getTracer('tessera-oidc', version)
  const meter = options.meter ?? metrics.getMeter('tessera-oidc', version)
  const auditEvents: Counter = meter.createCounter('tessera.audit.events', { description: 'Audit events recorded, by type.' })
  return {
    request({ endpoint, route, method, status, seconds }: RequestObservation) {
      // The server reports when the answer was ready and how long it took; the span covers that interval.
      const end = Date.now()
      const attributes: Attributes = {
        'http.request.method': KNOWN_METHODS.has(method) ? method : '_OTHER',
        'http.response.status_code': status,
        'tessera.endpoint': endpoint,
      }
      if (route !== undefined) attributes['http.route'] = route
      const span = tracer.startSpan(`tessera ${endpoint}`, { kind: SpanKind.SERVER, startTime: end - seconds * 1000, attributes })
      // HTTP semantic conventions: a 4xx is the client's error, not the server span's.
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
      span.end(end)
    },
    event(event: AuditEvent) {
      trace.getActiveSpan()?.addEvent('tessera.audit', { 'tessera.audit.type': event.type })
      auditEvents.add(1, { 'tessera.audit.type': event.type })
    },
  }
}

// src/server/metrics and dist/server/metrics are both three folders below the package root.
function packageVersion(): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name?: unknown, version?: unknown }
    return manifest.name === 'tessera-oidc' && typeof manifest.version === 'string' ? manifest.version : undefined
  } catch {
    return undefined
  }
}
