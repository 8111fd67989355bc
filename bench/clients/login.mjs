#!/usr/bin/env node
// Scenario 6: complete logins, each in a fresh "browser" (its own cookie jar): authorize → login form →
// consent → redirect with the code → token request. Several flows run at once; completed logins per
// second are counted over a fixed window. Runs on the load core (the runner starts it with taskset).
//
// Usage: node bench/clients/login.mjs '{"url":"http://127.0.0.1:4000","seconds":10,"concurrency":8}'
// Prints one line: BENCH_RESULT {json}.
import { createHash, randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { API, CLIENT_ID, PASSWORD, REDIRECT_URI, USERNAME, basicAuthorization } from '../lib/fixtures.mjs'

const { url: base, seconds, concurrency = 8 } = JSON.parse(process.argv[2])
// Endpoints from discovery (RFC 8414 / OIDC Discovery): the two servers name their paths differently.
const metadata = await (await fetch(`${base}/.well-known/openid-configuration`)).json()

/** The cookies of one browser, by name (the servers under test set host-only cookies on one origin). */
class Browser {
  #cookies = new Map()

  async send(target, { method = 'GET', form } = {}) {
    const headers = {}
    if (this.#cookies.size > 0) headers.cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      headers.origin = new URL(base).origin
    }
    const response = await fetch(target, { method, headers, body: form ? new URLSearchParams(form).toString() : undefined, redirect: 'manual' })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';')
      const index = pair.indexOf('=')
      const name = pair.slice(0, index).trim()
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute) || /^\s*expires=thu, 01 jan 1970/i.test(attribute))
      if (expired) this.#cookies.delete(name)
      else this.#cookies.set(name, pair.slice(index + 1).trim())
    }
    return response
  }
}

function decodeEntities(value) {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

/** The page's POST form: its action and hidden fields, and whether it asks for a password. */
function readForm(html, pageUrl) {
  const form = /<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html)
  if (!form) throw new Error(`no form on ${pageUrl}: ${html.slice(0, 200)}`)
  const fields = {}
  for (const [input] of form[2].matchAll(/<input\b[^>]*>/gi)) {
    if (!/type="hidden"/i.test(input)) continue
    const name = /name="([^"]*)"/.exec(input)?.[1]
    if (name !== undefined) fields[name] = decodeEntities(/value="([^"]*)"/.exec(input)?.[1] ?? '')
  }
  return { action: new URL(decodeEntities(form[1]), pageUrl).href, fields, asksPassword: /name="password"/.test(form[2]) }
}

async function login() {
  const browser = new Browser()
  const verifier = randomBytes(32).toString('base64url')
  const state = randomBytes(16).toString('base64url')
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email offline_access notes:read',
    resource: API,
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    // Consent on every login, on both servers (Tessera would otherwise remember it per user).
    prompt: 'consent',
  })
  let location = `${metadata.authorization_endpoint}?${query}`
  let response = await browser.send(location)
  let code
  for (let step = 0; step < 12 && code === undefined; step++) {
    if (response.status >= 300 && response.status < 400) {
      await response.arrayBuffer()
      location = new URL(response.headers.get('location'), location).href
      if (location.startsWith(REDIRECT_URI)) {
        const params = new URL(location).searchParams
        if (params.get('state') !== state || !params.get('code')) throw new Error(`bad redirect ${location}`)
        code = params.get('code')
        break
      }
      response = await browser.send(location)
    } else if (response.status === 200) {
      const form = readForm(await response.text(), location)
      const submitted = form.asksPassword ? { ...form.fields, username: USERNAME, password: PASSWORD } : { ...form.fields, decision: 'allow' }
      location = form.action
      response = await browser.send(location, { method: 'POST', form: submitted })
    } else {
      throw new Error(`${location}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`)
    }
  }
  if (code === undefined) throw new Error('no code after 12 steps')
  const token = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization() },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString(),
  })
  const tokens = await token.json()
  if (token.status !== 200 || !tokens.id_token || !tokens.access_token) throw new Error(`token: ${token.status} ${JSON.stringify(tokens)}`)
}

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
