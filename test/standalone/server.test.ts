/**
 * The standalone server during a store outage: live but not ready, and its demo API answers 503
 * `temporarily_unavailable` with Retry-After and no backend detail. Over real loopback HTTP.
 */
import { createServer, type AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { startStandaloneServer, type StandaloneServer } from '../../src/standalone/server.js'
import { createMemoryStore } from '../../src/storage/memory.js'
import { StorageUnavailableError, type Store } from '../../src/storage/types.js'
import { flakyStore } from '../helpers/flaky-store.js'

const SECRET = 'unit-test-secret-unit-test-secret-0123456789'

describe('standalone server health checks', () => {
  let standalone: StandaloneServer | undefined
  afterEach(() => standalone?.close())

  it('stays live but not ready while the store is down, and the demo API answers 503', async () => {
    const { store, notes: noteStore, fail } = flakyStore()
    standalone = await startStandaloneServer({ store, notes: noteStore, secret: SECRET, port: 0, host: '127.0.0.1' })
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

describe('standalone server while starting', () => {
  it('answers 503 with Retry-After, never 500, between opening its port and having its keys', async () => {
    const memory = createMemoryStore()
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (release = resolve))
    const port = await freePort()
    let listening: () => void = () => undefined
    const portKnown = new Promise<void>((resolve) => (listening = resolve))
    // The first key lookup waits until the test has asked its questions, holding the server in its start-up gap.
    const keys = new Proxy(memory.keys, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver)
        if (typeof value !== 'function') return value
        return async (...args: unknown[]) => {
          listening()
          await gate
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
    const store: Store = { ...memory, keys }
    const starting = startStandaloneServer({ store, secret: SECRET, port, host: '127.0.0.1' })
    await portKnown
    try {
      for (const [path, init] of [
        ['/.well-known/openid-configuration', {}],
        ['/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' }],
      ] as const) {
        const response = await fetch(`http://127.0.0.1:${port}${path}`, init)
        expect(response.status).toBe(503)
        expect(response.headers.get('retry-after')).toMatch(/^\d+$/)
        expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' })
      }
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503)
    } finally {
      release()
      await (await starting).close()
    }
  })
})

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
}
