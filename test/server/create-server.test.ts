/**
 * A store outage is RFC 6749's `temporarily_unavailable` (503 with Retry-After), as JSON on the API
 * endpoints and as the error page in the browser; any other unexpected failure stays a bare 500. Never a
 * stack trace or the backend's own message. The standalone server's readiness check and demo API follow.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { createAuthorizationServer, type AuthorizationServer } from '../../src/server/create-server.js'
import { startStandaloneServer, type StandaloneServer } from '../../src/standalone/server.js'
import { createMemoryStore } from '../../src/storage/memory.js'
import { StorageUnavailableError, type Store } from '../../src/storage/types.js'

const SECRET = 'unit-test-secret-unit-test-secret-0123456789'
const ISSUER = 'http://127.0.0.1:4000'

/** A memory store whose client and session lookups and ping fail once `failure` is set. */
function flakyStore(): { store: Store; fail: (error: Error | undefined) => void } {
  const store = createMemoryStore()
  let failure: Error | undefined
  const guard = <T>(call: () => Promise<T>): Promise<T> => (failure ? Promise.reject(failure) : call())
  return {
    store: {
      ...store,
      clients: { ...store.clients, get: (id) => guard(() => store.clients.get(id)) },
      sessions: { ...store.sessions, get: (hash, now) => guard(() => store.sessions.get(hash, now)) },
      notes: { ...store.notes, list: (owner) => guard(() => store.notes.list(owner)) },
      ping: () => guard(() => store.ping()),
    },
    fail: (error) => (failure = error),
  }
}

const outage = () => new StorageUnavailableError('postgres', 'PostgreSQL is unavailable: connect ECONNREFUSED 10.0.0.5:5432')

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

describe('standalone server health checks', () => {
  let standalone: StandaloneServer | undefined
  afterEach(() => standalone?.close())

  it('stays live but not ready while the store is down, and the demo API answers 503', async () => {
    const { store, fail } = flakyStore()
    standalone = await startStandaloneServer({ store, secret: SECRET, port: 0, host: '127.0.0.1' })
    const { url } = standalone
    await createClient(store, { name: 'Job', clientId: 'job', clientSecret: 'job-secret', redirectUris: [], grantTypes: ['client_credentials'], scopes: ['notes:read'] }, Math.floor(Date.now() / 1000))
    const issued = await fetch(`${url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('job:job-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=notes%3Aread',
    })
    const { access_token: token } = (await issued.json()) as { access_token: string }
    const notes = () => fetch(`${url}/api/notes`, { headers: { authorization: `Bearer ${token}` } })
    expect((await notes()).status).toBe(200)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)

    fail(new StorageUnavailableError('redis', 'Redis is unavailable: Connection is closed.'))
    const ready = await fetch(`${url}/readyz`)
    expect(ready.status).toBe(503)
    expect(ready.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await ready.json()).toEqual({ status: 'unavailable', unavailable: 'redis' })
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    const refused = await notes()
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    const body = await refused.text()
    expect(JSON.parse(body)).toMatchObject({ error: 'temporarily_unavailable' })
    expect(body).not.toMatch(/Connection is closed|redis/i)

    fail(undefined)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    expect((await notes()).status).toBe(200)
  })
})
