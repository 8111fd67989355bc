import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServe, type ServeProcess } from '../helpers/cli.js'
import { Browser, parseForm, signInThroughPages } from '../helpers/http-client.js'
import { newPkce } from '../helpers/pkce.js'

// Black-box: the built `tessera-oidc serve`, scraped the way Prometheus would.
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn', TESSERA_DEMO_PASSWORD: 'demo-password-0123' }
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-metrics-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The value of one series in the exposition text, 0 when it has not appeared yet. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return response.text()
}

function metricsUrlOf(server: ServeProcess): string {
  const match = /metrics: (http:\/\/\S+)/.exec(server.output())
  if (!match?.[1]) throw new Error(`no metrics line in: ${server.output()}`)
  return match[1]
}

describe('tessera-oidc serve --metrics-port', () => {
  let server: ServeProcess
  beforeAll(async () => {
    server = await startServe(join(dir, 'separate.db'), ['--metrics-port', '0'], env)
  })
  afterAll(() => server.stop())

  it('counts a failed and a successful login, the code exchange and the token endpoint, and reports the store up', async () => {
    const metricsUrl = metricsUrlOf(server)
    expect(new URL(metricsUrl).port).not.toBe(new URL(server.url).port)
    const before = await scrape(metricsUrl)
    const secret = /client_secret: (\S+)/.exec(server.output())?.[1] ?? ''
    const redirectUri = 'http://localhost:3000/authorize'
    const pkce = newPkce()
    const authorize = new URL(`${server.url}/authorize`)
    for (const [name, value] of Object.entries({ response_type: 'code', client_id: 'demo-app', redirect_uri: redirectUri, scope: 'openid notes:read', state: 's1', code_challenge: pkce.challenge, code_challenge_method: 'S256' })) {
      authorize.searchParams.set(name, value)
    }
    // One wrong password first, through the same pages.
    const browser = new Browser()
    const toLogin = await browser.get(authorize.href)
    const loginPage = new URL(toLogin.headers.get('location') ?? '', authorize)
    const form = parseForm(await (await browser.get(loginPage.href)).text())
    const refused = await browser.post(new URL(form.action, loginPage).href, { ...form.fields, username: 'demo', password: 'not-the-password' })
    expect(refused.status).toBe(400)

    const callback = await signInThroughPages(authorize, redirectUri, { username: 'demo', password: 'demo-password-0123' })
    const token = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`demo-app:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code') ?? '', redirect_uri: redirectUri, code_verifier: pkce.verifier }),
    })
    expect(token.status).toBe(200)

    const after = await scrape(metricsUrl)
    const moved = (series: string): number => sample(after, series) - sample(before, series)
    expect(moved('tessera_logins_total{outcome="failed",reason="wrong_password"}')).toBe(1)
    expect(moved('tessera_logins_total{outcome="succeeded",reason=""}')).toBe(1)
    expect(moved('tessera_tokens_issued_total{grant_type="authorization_code"}')).toBe(1)
    expect(moved('tessera_http_requests_total{endpoint="token",method="POST",status="200"}')).toBe(1)
    expect(moved('tessera_http_request_duration_seconds_count{endpoint="token"}')).toBe(1)
    expect(sample(after, 'tessera_store_up')).toBe(1)
    expect(after).toMatch(/^tessera_process_resident_memory_bytes \d+/m)
    // Nothing about who: no client id, user or token in any label.
    expect(after).not.toMatch(/demo-app|demo-password|alice/)
    expect(after).not.toContain(secret)
  })

  it('keeps /metrics off the public port', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404)
  })
})

describe('tessera-oidc serve --metrics and the default', () => {
  it('serves /metrics on the server port with --metrics or TESSERA_METRICS=1, and not at all by default', async () => {
    for (const [args, extraEnv, status] of [
      [['--metrics'], {}, 200],
      [[], { TESSERA_METRICS: '1' }, 200],
      [[], {}, 404],
    ] as const) {
      const server = await startServe(join(dir, 'shared.db'), ['--no-seed', ...args], { ...env, ...extraEnv })
      try {
        const response = await fetch(`${server.url}/metrics`)
        expect(response.status).toBe(status)
        if (status === 200) expect(await response.text()).toContain('# TYPE tessera_http_requests_total counter')
      } finally {
        await server.stop()
      }
    }
  })
})
