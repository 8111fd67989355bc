import { AsyncLocalStorage } from 'node:async_hooks'
import { readFileSync } from 'node:fs'
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type ContextManager, type Meter } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { createOpenTelemetryObserver } from '../../../src/server/metrics/opentelemetry.js'
import { combineObservers, type RequestObservation, type ServerObserver } from '../../../src/server/observer.js'
import { CLIENTS, createHarness, json } from '../../helpers/server-values.js'

function tracing() {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  return { exporter, provider, tracer: provider.getTracer('tessera-test') }
}

// What an application's SDK setup registers (@opentelemetry/context-async-hooks), reduced to what a test needs.
class AsyncLocalContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>()
  active(): Context { return this.storage.getStore() ?? ROOT_CONTEXT }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args))
  }
  bind<T>(_ctx: Context, target: T): T { return target }
  enable(): this { return this }
  disable(): this { this.storage.disable(); return this }
}

describe('createOpenTelemetryObserver', () => {
  it('records one SERVER span per answered request, named after the endpoint, with HTTP semantic-convention attributes', async () => {
    const { exporter, tracer } = tracing()
    const h = await createHarness({ observer: createOpenTelemetryObserver({ tracer }) })
    const issued = json(await h.post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read' }))
    expect(issued).toHaveProperty('access_token')
    expect((await h.post('/token', 'm2m', { grant_type: 'password' })).status).toBe(400)
    expect((await h.send('GET', '/no-such-endpoint')).status).toBe(404)
    expect((await h.send('BREW', '/token')).status).toBe(405)

    const spans = exporter.getFinishedSpans()
    expect(spans.map((span) => span.name)).toEqual(['tessera token', 'tessera token', 'tessera unknown', 'tessera token'])
    const [ok, refused, unknown, brewed] = spans
    expect(ok?.kind).toBe(SpanKind.SERVER)
    expect(ok?.attributes).toEqual({ 'http.request.method': 'POST', 'http.response.status_code': 200, 'http.route': '/token', 'tessera.endpoint': 'token' })
    expect(ok?.status.code).toBe(SpanStatusCode.UNSET)
    // A 4xx is the client's error (HTTP semantic conventions), not the server span's.
    expect(refused?.attributes['http.response.status_code']).toBe(400)
    expect(refused?.status.code).toBe(SpanStatusCode.UNSET)
    expect(unknown?.attributes).toEqual({ 'http.request.method': 'GET', 'http.response.status_code': 404, 'tessera.endpoint': 'unknown' })
    // A method the client made up does not become an attribute value of its own.
    expect(brewed?.attributes['http.request.method']).toBe('_OTHER')
    for (const span of spans) {
      const [startSeconds, startNanos] = span.startTime
      const [endSeconds, endNanos] = span.endTime
      expect(endSeconds * 1e9 + endNanos).toBeGreaterThanOrEqual(startSeconds * 1e9 + startNanos)
    }

    // Nothing secret: no token, client secret, client id or user appears in any span.
    const everything = JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events })))
    for (const secret of [String(issued.access_token), CLIENTS.m2m.secret, CLIENTS.m2m.id, 'notes:read']) expect(everything).not.toContain(secret)
  })

  it('marks a 5xx answer as an error span', () => {
    const { exporter, tracer } = tracing()
    const observer = createOpenTelemetryObserver({ tracer })
    observer.request?.({ endpoint: 'token', route: '/token', method: 'POST', status: 503, seconds: 0.25 })
    const [span] = exporter.getFinishedSpans()
    expect(span?.status.code).toBe(SpanStatusCode.ERROR)
    expect(span?.attributes['http.response.status_code']).toBe(503)
    // The span covers the time the server reports, ending when the observer saw the answer.
    const [startSeconds, startNanos] = span?.startTime ?? [0, 0]
    const [endSeconds, endNanos] = span?.endTime ?? [0, 0]
    expect((endSeconds - startSeconds) * 1e3 + (endNanos - startNanos) / 1e6).toBeCloseTo(250, 0)
  })

  it('adds each audit event to the active span (the HTTP span of the application) by its type only', async () => {
    const { exporter, tracer } = tracing()
    context.setGlobalContextManager(new AsyncLocalContextManager())
    try {
      const h = await createHarness({ observer: createOpenTelemetryObserver({ tracer }) })
      const issued = await tracer.startActiveSpan('app POST /token', async (span) => {
        try {
          return json(await h.post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read' }))
        } finally {
          span.end()
        }
      })
      const app = exporter.getFinishedSpans().find((span) => span.name === 'app POST /token')
      expect(app?.events.map((event) => [event.name, event.attributes])).toEqual([['tessera.audit', { 'tessera.audit.type': 'token.issued' }]])
      const everything = JSON.stringify(exporter.getFinishedSpans().map((span) => ({ attributes: span.attributes, events: span.events })))
      for (const secret of [String(issued.access_token), CLIENTS.m2m.id]) expect(everything).not.toContain(secret)
    } finally {
      context.disable()
    }
  })

  it('counts audit events by type on the meter it is given', async () => {
    const { tracer } = tracing()
    const added: [string, number, unknown][] = []
    const meter = {
      createCounter: (name: string) => ({ add: (value: number, attributes: unknown) => { added.push([name, value, attributes]) } }),
    } as unknown as Meter
    const h = await createHarness({ observer: createOpenTelemetryObserver({ tracer, meter }) })
    expect(json(await h.post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read' }))).toHaveProperty('access_token')
    expect(added).toContainEqual(['tessera.audit.events', 1, { 'tessera.audit.type': 'token.issued' }])
    expect(JSON.stringify(added)).not.toContain(CLIENTS.m2m.id)
  })

  it('uses the SDK the application registers globally, as the tracer `tessera` of the package version', async () => {
    const { exporter, provider } = tracing()
    trace.setGlobalTracerProvider(provider)
    try {
      const h = await createHarness({ observer: createOpenTelemetryObserver() })
      expect((await h.send('GET', '/jwks')).status).toBe(200)
      const [span] = exporter.getFinishedSpans()
      expect(span?.name).toBe('tessera jwks')
      const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
      expect(span?.instrumentationScope).toMatchObject({ name: 'tessera-oidc', version: manifest.version })
    } finally {
      trace.disable()
    }
  })

  it('is a no-op without an SDK: the global API hands out non-recording spans and the server answers as usual', async () => {
    const h = await createHarness({ observer: createOpenTelemetryObserver() })
    expect(json(await h.post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read' }))).toHaveProperty('access_token')
    expect(trace.getTracer('tessera').startSpan('probe').isRecording()).toBe(false)
  })
})

describe('combineObservers', () => {
  it('passes every request and audit event to each observer, and one that throws does not starve the others', async () => {
    const seen: string[] = []
    const throwing: ServerObserver = {
      request() { throw new Error('broken observer') },
      event() { throw new Error('broken observer') },
    }
    const recording: ServerObserver = {
      request(observation: RequestObservation) { seen.push(`request ${observation.endpoint} ${observation.status}`) },
      event(event) { seen.push(`event ${event.type}`) },
    }
    const h = await createHarness({ observer: combineObservers(throwing, undefined, recording, {}) })
    expect(json(await h.post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read' }))).toHaveProperty('access_token')
    expect(seen).toEqual(['event keys.created', 'event token.issued', 'request token 200'])
  })

  it('has no request or event hook when none of its observers has one', () => {
    expect(combineObservers()).toEqual({})
    expect(combineObservers({ event: () => undefined }).request).toBeUndefined()
  })
})
