import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isClientError, ReauthenticationRequired } from '../../src/client/errors.js'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth, type OAuth, type OAuthOptions } from '../../src/client/oauth.js'
import { openPostgresClientStore } from '../../src/client/postgres-store.js'
import { openRedisClientStore } from '../../src/client/redis-store.js'
import { openSqliteClientStore } from '../../src/client/sqlite-store.js'
import type { RelyingPartyStore } from '../../src/client/store.js'
import { Browser } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'
import { createTestDatabase, serviceUrl } from '../storage/services.js'
import { registerAtTessera, startTestApp, type TestApp } from './app.js'
import { contextFor, loginDirect } from './session-flows.js'

/**
 * Issue 21: one refresh per session across the instances of an app sharing a client store, against Tessera
 * (which rotates refresh tokens and revokes the family on reuse). Each "instance" is its own `createOAuth`
 * (its own in-process single-flight) on its own connection to the store; the provider transport they share
 * counts the refresh_token grants that reach Tessera and can hold one (a stalled provider, or an instance
 * that died while waiting for it) or answer it 503 (an outage).
 */

const SECRET = 'refresh-lease-secret-0123456789-abcdefghij'
const dir = mkdtempSync(join(tmpdir(), 'tessera-refresh-lease-'))

let server: TestServer
/** Seconds added to the relying parties' clock: 3600 makes a token issued at login expired (the provider keeps real time). */
let skew = 0

beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
})
afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Hold {
  /** Resolves when the held refresh_token request has been sent (by then its sender holds the lease). */
  reached: Promise<void>
  /** Sends it on to the provider. Never called: the sender stays stuck, as a process that died. */
  release(): void
}

const isRefreshGrant = (input: RequestInfo | URL, init: RequestInit | undefined): boolean =>
  String(input instanceof Request ? input.url : input).endsWith('/token') && new URLSearchParams(String(init?.body ?? '')).get('grant_type') === 'refresh_token'

function providerTransport(): { fetch: typeof fetch; forwarded: () => number; holdNext(): Hold; failNext(): void } {
  let forwarded = 0
  let next: { kind: 'hold'; hold: Hold & { reachedNow(): void; released: Promise<void> } } | { kind: 'fail' } | undefined
  return {
    fetch: async (input, init) => {
      if (isRefreshGrant(input, init) && next) {
        const current = next
        next = undefined
        if (current.kind === 'fail') return new Response('{"error":"temporarily_unavailable"}', { status: 503, headers: { 'content-type': 'application/json' } })
        current.hold.reachedNow()
        await current.hold.released
      }
      if (isRefreshGrant(input, init)) forwarded++
      return fetch(input, init)
    },
    forwarded: () => forwarded,
    holdNext() {
      let reachedNow = (): void => undefined
      let release = (): void => undefined
      const reached = new Promise<void>((resolve) => (reachedNow = resolve))
      const released = new Promise<void>((resolve) => (release = resolve))
      const hold = { reached, release, reachedNow, released }
      next = { kind: 'hold', hold }
      return hold
    },
    failNext() {
      next = { kind: 'fail' }
    },
  }
}

function leaseSuite(name: string, open: () => Promise<[RelyingPartyStore, RelyingPartyStore]>, cleanup: () => Promise<void> = async () => undefined): void {
  describe(`refreshing one session from two instances sharing a ${name} client store`, () => {
    const clientId = `rp-lease-${randomBytes(4).toString('hex')}`
    const transport = providerTransport()
    let stores: [RelyingPartyStore, RelyingPartyStore]
    let clientSecret = ''
    let app: TestApp
    let a: OAuth
    let b: OAuth
    const instance = (store: RelyingPartyStore, options: Partial<OAuthOptions> = {}): OAuth => {
      const oauth = createOAuth({ store, secret: SECRET, fetch: transport.fetch, now: () => Math.floor(Date.now() / 1000) + skew, ...options })
      oauth.register({ name: 'tessera', issuer: server.url, allowInsecureLoopback: true, clientId, clientSecret, scope: 'openid profile email offline_access' })
      return oauth
    }

    beforeAll(async () => {
      stores = await open()
      app = await startTestApp(async (origin) => {
        clientSecret = await registerAtTessera(server, clientId, [`${origin}/cb/tessera`])
        return instance(stores[0])
      })
      a = app.oauth
      b = instance(stores[1])
    })
    afterAll(async () => {
      await app?.close()
      for (const store of new Set(stores ?? [])) await store.close()
      await cleanup()
    })

    /** A signed-in browser whose access token the relying parties' clock then sees as expired. */
    async function expiredSession(): Promise<Browser> {
      skew = 0
      const browser = new Browser()
      await loginDirect(browser, app, 'tessera')
      skew = 3600
      return browser
    }

    it('sends one refresh_token grant for concurrent requests at both instances; every request is served with the new token', async () => {
      const browser = await expiredSession()
      const ctx = () => contextFor(browser, app)
      const before = transport.forwarded()
      const answers = await Promise.all(Array.from({ length: 8 }, (_, n) => (n % 2 === 0 ? a : b).fetch(ctx(), `${server.url}/userinfo`)))
      expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 8 }, () => 200))
      expect(transport.forwarded() - before).toBe(1)
      expect(await a.currentUser(ctx())).toMatchObject({ sub: server.users.alice.id })
      expect((await b.fetch(ctx(), `${server.url}/userinfo`)).status).toBe(200)
      expect(transport.forwarded() - before).toBe(1)
    })

    it('has a waiting instance use the token set the lease holder stores instead of refreshing itself', async () => {
      const browser = await expiredSession()
      const before = transport.forwarded()
      const hold = transport.holdNext()
      const atA = a.refreshToken(contextFor(browser, app))
      await hold.reached
      const atB = b.refreshToken(contextFor(browser, app))
      hold.release()
      const [fromA, fromB] = await Promise.all([atA, atB])
      expect(fromB.access_token).toBe(fromA.access_token)
      expect(fromB.refresh_token).toBe(fromA.refresh_token)
      expect(transport.forwarded() - before).toBe(1)
    })

    it('lets another instance refresh once the lease of a holder that died has expired', async () => {
      const dying = instance(stores[0], { timeoutMs: 300, refreshLeaseMs: 800 })
      const browser = await expiredSession()
      const before = transport.forwarded()
      const hold = transport.holdNext()
      // Never released: this instance holds the lease and never comes back, as a process killed mid-request.
      void dying.refreshToken(contextFor(browser, app))
      await hold.reached
      const tokens = await b.refreshToken(contextFor(browser, app))
      expect(tokens.access_token).toBeTypeOf('string')
      expect(transport.forwarded() - before).toBe(1)
      expect((await a.fetch(contextFor(browser, app), `${server.url}/userinfo`)).status).toBe(200)
      expect(transport.forwarded() - before).toBe(1)
    })

    it('fails a waiting request after refreshWaitMs while another instance holds the lease, and keeps the session', async () => {
      const holder = instance(stores[0], { refreshLeaseMs: 60_000 })
      const impatient = instance(stores[1], { refreshWaitMs: 300 })
      const browser = await expiredSession()
      const hold = transport.holdNext()
      void holder.refreshToken(contextFor(browser, app))
      await hold.reached
      const error: unknown = await impatient.refreshToken(contextFor(browser, app)).catch((e: unknown) => e)
      expect(isClientError(error) && error.code).toBe('provider_unreachable')
      expect(await b.currentUser(contextFor(browser, app))).toMatchObject({ sub: server.users.alice.id })
    })

    it('keeps the session and releases the lease when the provider fails (503)', async () => {
      const browser = await expiredSession()
      transport.failNext()
      const error: unknown = await a.refreshToken(contextFor(browser, app)).catch((e: unknown) => e)
      expect(isClientError(error) && error.code).not.toBe('reauthentication_required')
      expect(isClientError(error)).toBe(true)
      expect(await b.currentUser(contextFor(browser, app))).toMatchObject({ sub: server.users.alice.id })
      // Released at once: a refresh that would wait for it gives up long before the lease would expire.
      const before = transport.forwarded()
      const quick = instance(stores[1], { refreshWaitMs: 200 })
      expect((await quick.refreshToken(contextFor(browser, app))).access_token).toBeTypeOf('string')
      expect(transport.forwarded() - before).toBe(1)
    })

    it('ends the session on every instance when the provider refuses the refresh token (invalid_grant)', async () => {
      const browser = await expiredSession()
      const session = await a.refreshToken(contextFor(browser, app))
      const response = await fetch(`${server.url}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
        body: new URLSearchParams({ token: session.refresh_token ?? '' }).toString(),
      })
      expect(response.status).toBe(200)
      await expect(b.refreshToken(contextFor(browser, app))).rejects.toBeInstanceOf(ReauthenticationRequired)
      expect(await a.currentUser(contextFor(browser, app))).toBeUndefined()
      expect(await b.currentUser(contextFor(browser, app))).toBeUndefined()
    })
  })
}

describe('createOAuth and a custom store', () => {
  it('refuses a store without the refresh lease and compare-and-set, naming what is missing', () => {
    const store = createMemoryClientStore()
    const { refreshLease: _lease, replaceTokens: _replace, ...older } = store.sessions
    const legacy = { ...store, sessions: older } as unknown as RelyingPartyStore
    expect(() => createOAuth({ store: legacy, secret: SECRET })).toThrow(/replaceTokens and refreshLease/)
  })

  it('refuses a lease no longer than the provider timeout', () => {
    expect(() => createOAuth({ store: createMemoryClientStore(), secret: SECRET, timeoutMs: 5000, refreshLeaseMs: 5000 })).toThrow(/refreshLeaseMs must be longer than timeoutMs/)
  })
})

leaseSuite('memory', async () => {
  const store = createMemoryClientStore()
  return [store, store]
})
leaseSuite('SQLite', async () => {
  const filename = join(dir, 'shared.db')
  return [await openSqliteClientStore({ filename }), await openSqliteClientStore({ filename })]
})

const adminUrl = serviceUrl('DATABASE_URL')
const redisUrl = serviceUrl('REDIS_URL')
if (adminUrl) {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined
  leaseSuite('PostgreSQL', async () => {
    database = await createTestDatabase(adminUrl)
    return [await openPostgresClientStore({ connectionString: database.url }), await openPostgresClientStore({ connectionString: database.url })]
  }, async () => {
    await database?.drop()
  })
}
if (redisUrl) {
  const prefix = `tessera-test:lease:${randomBytes(6).toString('hex')}:`
  leaseSuite('Redis', async () => [await openRedisClientStore({ url: redisUrl, prefix }), await openRedisClientStore({ url: redisUrl, prefix })])
}
