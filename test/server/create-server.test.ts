/**
 * `handle()` never throws: a store outage is RFC 6749's `temporarily_unavailable` (503 with Retry-After),
 * as JSON on the API endpoints and as the error page in the browser; any other unexpected failure stays a
 * bare 500. Never a stack trace or the backend's own message. (The standalone server's readiness check
 * during an outage: test/standalone/server.test.ts.)
 */
import { describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { createAuthorizationServer, type AuthorizationServer } from '../../src/server/create-server.js'
import { flakyStore, outage } from '../helpers/flaky-store.js'
import { createHarness, ISSUER as VALUES_ISSUER, json } from '../helpers/server-values.js'

const SECRET = 'unit-test-secret-unit-test-secret-0123456789'
const ISSUER = 'http://127.0.0.1:4000'

function request(server: AuthorizationServer, method: string, path: string, form?: Record<string, string>) {
  const headers = new Headers()
  if (form) headers.set('content-type', 'application/x-www-form-urlencoded')
  if (form) headers.set('authorization', `Basic ${Buffer.from('app:app-secret').toString('base64')}`)
  return server.handle({
    method, url: new URL(path, ISSUER), headers, remoteAddress: '127.0.0.1',
    body: form ? new TextEncoder().encode(new URLSearchParams(form).toString()) : undefined,
  })
}

function text(body: string | Uint8Array | undefined): string {
  return typeof body === 'string' ? body : new TextDecoder().decode(body ?? new Uint8Array())
}

describe('handle() during a store outage', () => {
  async function setup() {
    const { store, fail } = flakyStore()
    await createClient(store, { name: 'App', clientId: 'app', clientSecret: 'app-secret', redirectUris: ['http://127.0.0.1:5000/cb'], grantTypes: ['client_credentials'], scopes: ['notes:read'] }, Math.floor(Date.now() / 1000))
    const server = await createAuthorizationServer({ issuer: ISSUER, store, secret: SECRET, resources: [{ identifier: `${ISSUER}/api`, scopes: { 'notes:read': 'Read' } }] })
    return { server, fail }
  }

  it('answers the token endpoint with 503 temporarily_unavailable, Retry-After and no detail', async () => {
    const { server, fail } = await setup()
    fail(outage())
    const response = await request(server, 'POST', '/token', { grant_type: 'client_credentials', scope: 'notes:read' })
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(JSON.parse(text(response.body))).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) })
    expect(text(response.body)).not.toMatch(/ECONNREFUSED|10\.0\.0\.5|postgres/i)

    fail(undefined)
    expect((await request(server, 'POST', '/token', { grant_type: 'client_credentials', scope: 'notes:read' })).status).toBe(200)
  })

  it('shows the browser an error page with 503, not a redirect or a stack trace', async () => {
    const { server, fail } = await setup()
    fail(outage())
    const response = await request(server, 'GET', '/authorize?response_type=code&client_id=app&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcb')
    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/)
    const page = text(response.body)
    expect(page).toContain('temporarily_unavailable')
    expect(page).not.toMatch(/ECONNREFUSED|\bat .+:\d+:\d+/)
  })

  it('keeps other unexpected failures a bare 500 server_error', async () => {
    const { server, fail } = await setup()
    fail(new TypeError('a bug'))
    const response = await request(server, 'POST', '/token', { grant_type: 'client_credentials', scope: 'notes:read' })
    expect(response.status).toBe(500)
    expect(response.headers.get('retry-after')).toBeNull()
    expect(JSON.parse(text(response.body))).toMatchObject({ error: 'server_error' })
    expect(text(response.body)).not.toContain('a bug')
  })
})

describe('handle() routing', () => {
  it('answers a path no capability registered, or one outside the issuer\'s path, with 404', async () => {
    const { send } = await createHarness({ issuer: `${VALUES_ISSUER}/tenant` })
    for (const path of ['/tenant/nothing-here', '/tenant/interaction', '/token', '/tenantx/token']) {
      const response = await send('POST', path, { form: {} })
      expect(response.status, path).toBe(404)
      expect(json(response)).toEqual({ error: 'invalid_request', error_description: 'Not found' })
    }
    expect((await send('GET', '/tenant/jwks')).status).toBe(200)
  })

  it('refuses a body over 64 KiB with 413 before any endpoint reads it', async () => {
    const { send } = await createHarness()
    const response = await send('POST', '/token', { form: { grant_type: 'client_credentials', padding: 'x'.repeat(64 * 1024) } })
    expect(response.status).toBe(413)
    expect(json(response)).toEqual({ error: 'invalid_request', error_description: 'Request body too large' })
  })
})
