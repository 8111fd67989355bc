import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClientContext } from '../../src/client/context.js'
import { isClientError } from '../../src/client/errors.js'
import { openPostgresClientStore } from '../../src/client/postgres-store.js'
import { openRedisClientStore } from '../../src/client/redis-store.js'
import type { RelyingPartyStore } from '../../src/client/store.js'
import { createTestDatabase, serviceUrl } from '../storage/services.js'
import { Browser } from '../helpers/http-client.js'
import { startLogin, type TestApp } from './app.js'
import { startEvilRp } from './evil-harness.js'
import { startEvilProvider, type EvilProvider } from './evil-provider.js'
import { contextFor } from './session-flows.js'

/**
 * Two instances of one app (same secret, each with its own connection to a shared client store), as
 * behind a load balancer: a login started on A completes on B, the session is seen by both, and a
 * logout on either ends it everywhere.
 */

const adminUrl = serviceUrl('DATABASE_URL')
const redisUrl = serviceUrl('REDIS_URL')

let evil: EvilProvider
beforeAll(async () => {
  evil = await startEvilProvider()
})
afterAll(() => evil?.close())

function sharedStoreFlow(name: string, setup: () => Promise<{ open: () => Promise<RelyingPartyStore>; cleanup: () => Promise<void> }>): void {
  describe(`two app instances on one ${name} client store`, () => {
    const apps: TestApp[] = []
    const stores: RelyingPartyStore[] = []
    let cleanup = async (): Promise<void> => undefined
    let a: TestApp
    let b: TestApp
    beforeAll(async () => {
      const shared = await setup()
      cleanup = shared.cleanup
      for (let n = 0; n < 2; n++) {
        const store = await shared.open()
        stores.push(store)
        apps.push(await startEvilRp(evil, {}, { store }))
      }
      ;[a, b] = apps as [TestApp, TestApp]
    })
    afterAll(async () => {
      await Promise.all(apps.map((app) => app.close()))
      await Promise.all(stores.map((store) => store.close()))
      await cleanup()
    })

    it('completes on B a login started on A; the session is shared, the callback single use', async () => {
      const browser = new Browser()
      const callback = await startLogin(browser, a, 'evil')
      const cookiesBeforeCallback = browser.jar.header()
      // The callback reaches B at the app's public URL (A's origin stands in for the load balancer).
      const ctx = createClientContext({ url: callback, headers: { cookie: cookiesBeforeCallback } })
      const { user } = await b.oauth.authorizeAccessToken(ctx, 'evil')
      for (const cookie of ctx.cookies) {
        const [pair = ''] = cookie.split(';')
        const index = pair.indexOf('=')
        browser.jar.set(pair.slice(0, index), pair.slice(index + 1))
      }
      expect((await a.oauth.currentUser(contextFor(browser, a)))?.sub).toBe(user.sub)
      expect((await b.oauth.currentUser(contextFor(browser, b)))?.sub).toBe(user.sub)

      // The same callback replayed on A: B consumed the transaction in the shared store.
      const replay = createClientContext({ url: callback, headers: { cookie: cookiesBeforeCallback } })
      const error: unknown = await a.oauth.authorizeAccessToken(replay, 'evil').catch((e: unknown) => e)
      expect(isClientError(error) && error.code).toBe('transaction_unknown')

      await a.oauth.logout(contextFor(browser, a))
      expect(await b.oauth.currentUser(contextFor(browser, b))).toBeUndefined()
    })

    it('lets exactly one instance win when the same callback reaches both at once', async () => {
      const browser = new Browser()
      const callback = await startLogin(browser, a, 'evil')
      const cookie = browser.jar.header()
      const results = await Promise.allSettled([a, b, a, b].map((app) => app.oauth.authorizeAccessToken(createClientContext({ url: callback, headers: { cookie } }), 'evil')))
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
      for (const result of results) if (result.status === 'rejected') expect(isClientError(result.reason) && result.reason.code).toBe('transaction_unknown')
    })
  })
}

if (adminUrl) {
  sharedStoreFlow('PostgreSQL', async () => {
    const database = await createTestDatabase(adminUrl)
    return { open: () => openPostgresClientStore({ connectionString: database.url }), cleanup: database.drop }
  })
}

if (redisUrl) {
  sharedStoreFlow('Redis', async () => {
    const prefix = `tessera-test:rp:${randomBytes(6).toString('hex')}:`
    return { open: () => openRedisClientStore({ url: redisUrl, prefix }), cleanup: async () => undefined }
  })
}
