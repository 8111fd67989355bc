// What an application loads before `tessera-oidc serve` (NODE_OPTIONS=--import …) to trace it: an OpenTelemetry
// SDK registered globally, here exporting each finished span as one `SPAN {json}` line on stderr.
import { trace } from '@opentelemetry/api'
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'

const exporter = {
  export(spans, done) {
    for (const span of spans) {
      process.stderr.write(`SPAN ${JSON.stringify({ name: span.name, kind: span.kind, scope: span.instrumentationScope.name, attributes: span.attributes })}\n`)
    }
    done({ code: 0 })
  },
  shutdown: async () => undefined,
}
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
