import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServe, type ServeProcess } from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-serve-tracing-'))
const SETUP = resolve('test/helpers/otel-stderr-sdk.mjs')
const env = {
  ...process.env,
  TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789',
  TESSERA_LOG_LEVEL: 'warn',
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${SETUP}`.trim(),
}

interface ExportedSpan {
  name: string
  kind: number
  scope: string
  attributes: Record<string, unknown>
}

function spansOf(server: ServeProcess): ExportedSpan[] {
  return server.output().split('\n').filter((line) => line.startsWith('SPAN ')).map((line) => JSON.parse(line.slice(5)) as ExportedSpan)
}

// Black-box: the built `tessera-oidc serve` with an OpenTelemetry SDK loaded before it, as the README says.
describe('tessera-oidc serve with an OpenTelemetry SDK', () => {
  let server: ServeProcess
  beforeAll(async () => {
    server = await startServe(join(dir, 'tracing.db'), [], env, { demo: false })
  })
  afterAll(async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('exports one span per request, with the route and status and without the credentials sent', async () => {
    expect((await fetch(`${server.url}/jwks`)).status).toBe(200)
    const refused = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=tracing-probe&client_secret=tracing-probe-secret-0123',
    })
    expect(refused.status).toBe(401)
    await expect.poll(() => spansOf(server).length).toBeGreaterThanOrEqual(2)
    const spans = spansOf(server)
    expect(spans).toContainEqual({
      name: 'tessera jwks', kind: 1, scope: 'tessera-oidc',
      attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'tessera.endpoint': 'jwks', 'http.route': '/jwks' },
    })
    expect(spans).toContainEqual({
      name: 'tessera token', kind: 1, scope: 'tessera-oidc',
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': 401, 'tessera.endpoint': 'token', 'http.route': '/token' },
    })
    expect(JSON.stringify(spans)).not.toMatch(/tracing-probe/)
  })
})
