#!/usr/bin/env node
// Scenario 6: complete logins, each in a fresh "browser" (its own cookie jar): authorize → login form →
// consent → redirect with the code → token request. Several flows run at once; completed logins per
// second are counted over a fixed window. Runs on the load core (the runner starts it with taskset).
//
// Usage: node bench/clients/login.mjs '{"url":"http://127.0.0.1:4000","seconds":10,"concurrency":8}'
// Prints one line: BENCH_RESULT {json}.
import { performance } from 'node:perf_hooks'
import { loginFlow } from '../lib/login-flow.mjs'

const { url: base, seconds, concurrency = 8 } = JSON.parse(process.argv[2])
// Endpoints from discovery (RFC 8414 / OIDC Discovery): the two servers name their paths differently.
const metadata = await (await fetch(`${base}/.well-known/openid-configuration`)).json()
const login = () => loginFlow(metadata)

const latencies = []
const failures = []
const start = performance.now()
const deadline = start + seconds * 1000
async function worker() {
  while (performance.now() < deadline) {
    const began = performance.now()
    try {
      await login()
      const ended = performance.now()
      if (ended <= deadline) latencies.push(ended - began)
    } catch (error) {
      failures.push(String(error?.message ?? error))
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker))
latencies.sort((a, b) => a - b)
const percentile = (p) => (latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)])
const result = {
  duration_us: Math.round(seconds * 1e6),
  requests: latencies.length,
  ok: latencies.length,
  nonSuccess: failures.length,
  failures: failures.slice(0, 5),
  rps: latencies.length / seconds,
  latency_us: { p50: Math.round(percentile(50) * 1000), p90: Math.round(percentile(90) * 1000), p99: Math.round(percentile(99) * 1000), p999: Math.round(percentile(99.9) * 1000), max: Math.round((latencies.at(-1) ?? 0) * 1000) },
}
process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`)
