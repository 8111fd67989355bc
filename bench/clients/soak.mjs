#!/usr/bin/env node
// The soak's traffic (issue 20): a steady mix of logins (with their code exchange), refreshes with
// rotation, client credentials, introspections, demo API calls and some bad requests, paced at `rate`
// operations per second by `concurrency` workers. Every `interval` seconds prints one line
// `SOAK_SAMPLE {json}` (requests, latency percentiles and unexpected answers of that interval); the
// runner adds the server's RSS and database size to it.
//
// Usage: node bench/clients/soak.mjs '{"url":"http://127.0.0.1:4000","seconds":60,"interval":10,"rate":200,
//   "concurrency":8,"clientId":"…","authorization":"Basic …","username":"…"}'
import { performance } from 'node:perf_hooks'
import { clearInterval, setInterval } from 'node:timers'
import { API, PASSWORD } from '../lib/fixtures.mjs'
import { loginFlow } from '../lib/login-flow.mjs'

const config = JSON.parse(process.argv[2])
const { url, seconds, interval, rate, concurrency = 8, clientId, authorization, username } = config
const metadata = await (await fetch(`${url}/.well-known/openid-configuration`)).json()
const FORM = { 'content-type': 'application/x-www-form-urlencoded', authorization }
const POOL = 200
const accessTokens = []
const refreshTokens = []
const pick = (pool) => pool[Math.floor(Math.random() * pool.length)]
const keep = (pool, value) => {
  if (pool.length >= POOL) pool.splice(Math.floor(Math.random() * pool.length), 1)
  pool.push(value)
}

/** A request whose answer must have `expected` status (bad requests expect their RFC error status). */
async function call(target, init, expected) {
  const response = await fetch(target, init)
  const body = await response.text()
  if (response.status !== expected) throw Object.assign(new Error(`${init?.method ?? 'GET'} ${new URL(target).pathname}: ${response.status} ${body.slice(0, 200)}`), { status: response.status })
  return body.startsWith('{') ? JSON.parse(body) : body
}
const post = (target, fields, expected = 200, headers = FORM) => call(target, { method: 'POST', headers, body: new URLSearchParams(fields).toString() }, expected)

// Weights per operation: mostly machine-to-machine and API traffic, a few logins (each costs an Argon2id).
const OPERATIONS = [
  ['login', 1, async () => {
    const tokens = await loginFlow(metadata, { clientId, authorization, username, password: PASSWORD })
    if (tokens.refresh_token) keep(refreshTokens, tokens.refresh_token)
    keep(accessTokens, tokens.access_token)
  }],
  ['refresh', 4, async () => {
    const index = Math.floor(Math.random() * refreshTokens.length)
    const token = refreshTokens[index]
    if (token === undefined) return
    // Rotation: the token is consumed by its use, its successor takes its place in the pool.
    refreshTokens.splice(index, 1)
    const tokens = await post(metadata.token_endpoint, { grant_type: 'refresh_token', refresh_token: token })
    keep(refreshTokens, tokens.refresh_token)
  }],
  ['client_credentials', 10, async () => {
    const tokens = await post(metadata.token_endpoint, { grant_type: 'client_credentials', scope: 'notes:read', resource: API })
    keep(accessTokens, tokens.access_token)
  }],
  ['introspection', 5, async () => {
    const token = pick(accessTokens)
    if (token === undefined) return
    const answer = await post(metadata.introspection_endpoint, { token })
    if (answer.active !== true) throw new Error('introspection: an unexpired token is inactive')
  }],
  ['api', 10, async () => {
    const token = pick(accessTokens)
    if (token === undefined) return
    await call(`${url}/api/notes`, { headers: { authorization: `Bearer ${token}` } }, 200)
  }],
  ['bad', 2, async () => {
    // RFC 6749 §5.2 errors that a client's mistakes produce. Not a wrong secret or an unknown refresh token:
    // from one address those trip the guessing limits (RFC 6749 §10.10) and every later request is refused.
    const kind = Math.floor(Math.random() * 3)
    if (kind === 0) await post(metadata.token_endpoint, { scope: 'notes:read' }, 400)
    else if (kind === 1) await post(metadata.token_endpoint, { grant_type: 'urn:example:unknown' }, 400)
    else await call(`${url}/api/notes`, { headers: { authorization: 'Bearer not-a-token' } }, 401)
  }],
]
const totalWeight = OPERATIONS.reduce((sum, [, weight]) => sum + weight, 0)
function chooseOperation() {
  let point = Math.random() * totalWeight
  for (const operation of OPERATIONS) {
    point -= operation[1]
    if (point < 0) return operation
  }
  return OPERATIONS[0]
}

let window = { latencies: [], errors: 0, serverErrors: 0, byOperation: {}, firstErrors: [] }
const start = performance.now()
const deadline = start + seconds * 1000
let issued = 0

async function worker() {
  while (true) {
    // Paced (open-loop within the worker pool): operation n starts at start + n / rate.
    const slot = start + (issued++ / rate) * 1000
    if (slot >= deadline) return
    const wait = slot - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const [name, , run] = chooseOperation()
    const began = performance.now()
    const counts = (window.byOperation[name] ??= { ok: 0, errors: 0 })
    try {
      await run()
      window.latencies.push(performance.now() - began)
      counts.ok++
    } catch (error) {
      window.errors++
      counts.errors++
      if (error.status >= 500) window.serverErrors++
      if (window.firstErrors.length < 3) window.firstErrors.push(String(error.message).slice(0, 300))
    }
  }
}

function report() {
  const { latencies } = window
  latencies.sort((a, b) => a - b)
  const percentile = (p) => (latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)])
  const sample = {
    t: Math.round((performance.now() - start) / 1000),
    operations: latencies.length + window.errors,
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    p999Ms: percentile(99.9),
    errors: window.errors,
    serverErrors: window.serverErrors,
    byOperation: window.byOperation,
    firstErrors: window.firstErrors,
  }
  window = { latencies: [], errors: 0, serverErrors: 0, byOperation: {}, firstErrors: [] }
  process.stdout.write(`SOAK_SAMPLE ${JSON.stringify(sample)}\n`)
}
const ticker = setInterval(report, interval * 1000)
await Promise.all(Array.from({ length: concurrency }, worker))
clearInterval(ticker)
report()
