/**
 * Issue 16's "done when" for back-channel logout: logging out at Tessera ends the tutorial app's session,
 * checked over HTTP with two instances of the app sharing one client store (SQLite; PostgreSQL and Redis
 * under `node scripts/services.mjs`): the provider POSTs the logout token to instance A, and the user's
 * next request at instance B is signed out.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTutorialApp } from '../../examples/tutorial-app/app.js'
import { openPostgresClientStore } from '../../src/client/postgres-store.js'
import { openRedisClientStore } from '../../src/client/redis-store.js'
import { openSqliteClientStore } from '../../src/client/sqlite-store.js'
import type { RelyingPartyStore } from '../../src/client/store.js'
import { createClient } from '../../src/server/admin.js'
import { backchannelLogout, setClientBackchannelLogout } from '../../src/server/index.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'
import { createTestDatabase, serviceUrl } from '../storage/services.js'
import { APP_SECRET, loginAtTessera } from './tutorial.js'

const bcl = backchannelLogout({ retryDelays: [0.2] })
let server: TestServer
const dir = mkdtempSync(join(tmpdir(), 'tessera-tutorial-bcl-'))

beforeAll(async () => {
  server = await startTestServer({ capabilities: [bcl], development: { allowLoopbackFetch: true } })
})

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Instance {
  origin: string
  close(): Promise<void>
}

async function listen(): Promise<{ origin: string; mount(handler: (req: IncomingMessage, res: ServerResponse) => void): void; close(): Promise<void> }> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end()
  const http = createServer((req, res) => handle(req, res))
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    mount: (handler) => {
      handle = handler
    },
    close: () => new Promise((resolve) => {
      http.closeAllConnections()
      http.close(() => resolve())
    }),
  }
}

/**
 * Two instances of the tutorial app with one client registration and one shared store, as behind a load
 * balancer; the provider knows instance A's `/backchannel-logout` as the client's back-channel URI.
 */
async function startInstances(stores: [RelyingPartyStore, RelyingPartyStore]): Promise<[Instance, Instance]> {
  const listeners = [await listen(), await listen()]
  const clientId = `tutorial-bcl-${randomBytes(4).toString('hex')}`
  const { clientSecret } = await createClient(server.store, {
    name: 'Tutorial app', clientId,
    redirectUris: listeners.map((listener) => `${listener.origin}/authorize`),
    postLogoutRedirectUris: listeners.map((listener) => `${listener.origin}/`),
    grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'email', 'offline_access', 'notes:read'],
  }, Math.floor(Date.now() / 1000))
  await setClientBackchannelLogout(server.store, clientId, { backchannel_logout_uri: `${listeners[0]?.origin ?? ''}/backchannel-logout`, backchannel_logout_session_required: true })
  return listeners.map((listener, index) => {
    listener.mount(createTutorialApp({
      appUrl: listener.origin, secret: APP_SECRET, store: stores[index] as RelyingPartyStore, notesUrl: `${server.url}/api/notes`,
      provider: { name: 'tessera', preset: 'tessera', issuer: server.url, clientId, clientSecret: clientSecret ?? '', scope: 'openid profile email offline_access notes:read', allowInsecureLoopback: true },
    }))
    return { origin: listener.origin, close: listener.close }
  }) as [Instance, Instance]
}

/** Logs alice in through instance A and checks that instance B sees the session (the cookie is the host's, whatever the port). */
async function signedInAtBoth(a: Instance, b: Instance): Promise<Browser> {
  const browser = new Browser()
  const callback = await loginAtTessera(browser, a.origin, server.users.alice)
  expect((await browser.get(callback.href)).status).toBe(303)
  expect((await browser.get(`${b.origin}/profile`)).status).toBe(200)
  return browser
}

/** The user signs out at Tessera (RP-initiated logout without a hint: the confirmation form). */
async function logoutAtTessera(browser: Browser): Promise<void> {
  const page = await browser.get(`${server.url}/logout`)
  const form = parseForm(await page.text())
  const answer = await browser.post(new URL(form.action, server.url).href, form.fields)
  expect(answer.status).toBe(200)
}

function sharedStoreLogout(name: string, open: () => Promise<RelyingPartyStore>, cleanup: () => Promise<void> = async () => undefined): void {
  describe(`the tutorial app on two instances sharing a ${name} client store`, () => {
    let stores: [RelyingPartyStore, RelyingPartyStore]
    let instances: [Instance, Instance]
    beforeAll(async () => {
      stores = [await open(), await open()]
      instances = await startInstances(stores)
    })
    afterAll(async () => {
      await Promise.all((instances ?? []).map((instance) => instance.close()))
      await Promise.all((stores ?? []).map((store) => store.close()))
      await cleanup()
    })

    it('signs the user out at instance B after they log out at Tessera, which told instance A', async () => {
      const [a, b] = instances
      const browser = await signedInAtBoth(a, b)
      const other = await signedInAtBoth(a, b)
      await logoutAtTessera(browser)
      await bcl.settled()
      const next = await browser.get(`${b.origin}/profile`)
      expect(next.status).toBe(303)
      expect(next.headers.get('location')).toBe('/login')
      expect((await browser.get(`${a.origin}/profile`)).status).toBe(303)
      // Another browser's session (another provider session) is untouched.
      expect((await other.get(`${b.origin}/profile`)).status).toBe(200)
      expect(await server.store.audit.list({ type: 'backchannel_logout.sent', limit: 10 })).not.toEqual([])
    })
  })
}

sharedStoreLogout('SQLite', () => openSqliteClientStore({ filename: join(dir, 'shared.db') }))

const adminUrl = serviceUrl('DATABASE_URL')
const redisUrl = serviceUrl('REDIS_URL')
if (adminUrl) {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined
  sharedStoreLogout('PostgreSQL', async () => {
    database ??= await createTestDatabase(adminUrl)
    return openPostgresClientStore({ connectionString: database.url })
  }, async () => {
    await database?.drop()
  })
}
if (redisUrl) {
  const prefix = `tessera-test:bcl:${randomBytes(6).toString('hex')}:`
  sharedStoreLogout('Redis', () => openRedisClientStore({ url: redisUrl, prefix }))
}
