import { describe, expect, it } from 'vitest'
import { createPrometheusMetrics } from '../../../src/server/metrics/prometheus.js'
import type { RequestObservation, ServerObserver } from '../../../src/server/observer.js'
import { createHarness, json } from '../../helpers/server-values.js'

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('createPrometheusMetrics', () => {
  it('counts requests by endpoint, method and status, and tokens by grant type, from the server it observes', async () => {
    const metrics = await createPrometheusMetrics({ processMetrics: false })
    const h = await createHarness({ observer: metrics.observer })
    expect(json(await h.post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read' }))).toHaveProperty('access_token')
    expect((await h.post('/token', 'm2m', { grant_type: 'password' })).status).toBe(400)
    expect((await h.send('GET', '/no-such-endpoint')).status).toBe(404)
    expect((await h.send('BREW', '/token')).status).toBe(405)
    const text = await metrics.render()
    expect(sample(text, 'tessera_http_requests_total{endpoint="token",method="POST",status="200"}')).toBe(1)
    expect(sample(text, 'tessera_http_requests_total{endpoint="token",method="POST",status="400"}')).toBe(1)
    expect(sample(text, 'tessera_http_requests_total{endpoint="unknown",method="GET",status="404"}')).toBe(1)
    // A method the client made up does not become a label value of its own.
    expect(sample(text, 'tessera_http_requests_total{endpoint="token",method="other",status="405"}')).toBe(1)
    expect(sample(text, 'tessera_tokens_issued_total{grant_type="client_credentials"}')).toBe(1)
    expect(sample(text, 'tessera_audit_events_total{type="token.issued"}')).toBe(1)
    expect(sample(text, 'tessera_http_request_duration_seconds_count{endpoint="token"}')).toBe(3)
    expect(text).not.toMatch(/^tessera_process_/m)
  })

  it('counts refusals by an abuse limit (429) per endpoint', async () => {
    const metrics = await createPrometheusMetrics({ processMetrics: false })
    const observation: RequestObservation = { endpoint: 'token', method: 'POST', status: 429, seconds: 0.002 }
    metrics.observer.request?.(observation)
    metrics.observer.request?.({ ...observation, status: 200 })
    expect(sample(await metrics.render(), 'tessera_rate_limited_total{endpoint="token"}')).toBe(1)
  })

  it('reports the store down when its ping fails or does not answer in time, and up again when it does', async () => {
    let mode: 'up' | 'down' | 'silent' = 'up'
    const store = {
      ping: () => (mode === 'up' ? Promise.resolve() : mode === 'down' ? Promise.reject(new Error('ECONNREFUSED')) : new Promise<void>(() => undefined)),
    }
    const metrics = await createPrometheusMetrics({ processMetrics: false, store, storePingTimeoutMs: 50 })
    const up = async () => sample(await metrics.render(), 'tessera_store_up')
    expect(await up()).toBe(1)
    mode = 'down'
    expect(await up()).toBe(0)
    mode = 'silent'
    expect(await up()).toBe(0)
    mode = 'up'
    expect(await up()).toBe(1)
  })

  it('keeps two servers in one process apart', async () => {
    const first = await createPrometheusMetrics({ processMetrics: false })
    const second = await createPrometheusMetrics({ processMetrics: false })
    first.observer.request?.({ endpoint: 'jwks', method: 'GET', status: 200, seconds: 0.001 })
    expect(sample(await first.render(), 'tessera_http_requests_total{endpoint="jwks",method="GET",status="200"}')).toBe(1)
    expect(sample(await second.render(), 'tessera_http_requests_total{endpoint="jwks",method="GET",status="200"}')).toBeUndefined()
  })
})

describe('server observer', () => {
  it('never lets a failing observer break a request or an audit record', async () => {
    const seen: string[] = []
    const observer: ServerObserver = {
      request(observation) {
        seen.push(`request ${observation.endpoint} ${observation.status}`)
        throw new Error('observer bug')
      },
      event(event) {
        seen.push(`event ${event.type}`)
        throw new Error('observer bug')
      },
    }
    const h = await createHarness({ observer })
    const response = await h.post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read' })
    expect(response.status).toBe(200)
    await h.server.audit.flush()
    expect(await h.store.audit.list({ type: 'token.issued', limit: 10 })).toHaveLength(1)
    expect(seen).toEqual(['event keys.created', 'event token.issued', 'request token 200'])
  })
})
