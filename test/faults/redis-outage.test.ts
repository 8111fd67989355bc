/**
 * Redis killed (SIGKILL) under a running instance, on a Redis of its own with the append-only file the
 * README asks for: the instance reports itself not ready and refuses what needs Redis with 503; once
 * Redis is back, everything it acknowledged before is still there (sessions, codes, refresh tokens,
 * revocations) and the same process serves again without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type ThrowawayRedis } from '../../scripts/services.mjs'
import { createTestDatabase, serviceUrl } from '../storage/services.js'
import {
  authorizeCode, Browser, clientRequest, isActive, redeemCode, refresh, seedDatabase, startInstance, waitFor, REDIRECT_URI,
  type FaultClient, type Instance, type TokenResponse,
} from './instances.js'

const adminUrl = serviceUrl('DATABASE_URL')

async function expectUnavailable(response: Response): Promise<void> {
  const body = await response.text()
  expect(response.status, body).toBe(503)
  expect(response.headers.get('retry-after')).toMatch(/^\d+$/)
  if (response.headers.get('content-type')?.startsWith('text/html')) expect(body).toContain('temporarily_unavailable')
  else expect(JSON.parse(body)).toMatchObject({ error: 'temporarily_unavailable' })
}

if (adminUrl) {
  describe('Redis unavailable', { timeout: 120_000 }, () => {
    let redis: ThrowawayRedis
    let database: { url: string; drop: () => Promise<void> }
    let instance: Instance
    let client: FaultClient

    beforeAll(async () => {
      redis = await startRedis()
      database = await createTestDatabase(adminUrl)
      client = await seedDatabase(database.url)
      instance = await startInstance({ databaseUrl: database.url, redisUrl: redis.url })
    })
    afterAll(async () => {
      await instance?.kill()
      redis?.stop()
      await database?.drop()
    })

    it('is unready and refuses cleanly while Redis is down, and loses nothing it acknowledged', async () => {
      const base = instance.url
      const browser = new Browser()
      // Acknowledged before the outage: a login session, an unused code, a refresh token, a revocation.
      const used = await authorizeCode(() => base, base, client, browser)
      const kept = (await (await redeemCode(base, client, used)).json()) as TokenResponse
      const unused = await authorizeCode(() => base, base, client, browser)
      const revoked = (await (await redeemCode(base, client, await authorizeCode(() => base, base, client, browser))).json()) as TokenResponse
      expect((await clientRequest(base, '/revoke', client, { token: revoked.access_token })).status).toBe(200)

      await redis.halt()
      const ready = await fetch(`${base}/readyz`)
      expect(ready.status).toBe(503)
      expect(await ready.json()).toMatchObject({ status: 'unavailable', unavailable: 'redis' })
      expect((await fetch(`${base}/healthz`)).status).toBe(200)
      await expectUnavailable(await redeemCode(base, client, unused))
      await expectUnavailable(await refresh(base, client, kept.refresh_token ?? ''))
      await expectUnavailable(await clientRequest(base, '/introspect', client, { token: kept.access_token }))
      await expectUnavailable(await clientRequest(base, '/revoke', client, { token: kept.access_token }))
      await expectUnavailable(await fetch(`${base}/userinfo`, { headers: { authorization: `Bearer ${kept.access_token}` } }))
      const page = await browser.get(`${base}/authorize?${new URLSearchParams({
        response_type: 'code', client_id: client.id, redirect_uri: REDIRECT_URI, scope: 'openid', state: 's',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
      }).toString()}`)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      await expectUnavailable(page)

      await redis.resume()
      await waitFor('/readyz to answer 200', async () => (await fetch(`${base}/readyz`)).status === 200)
      // The session survived: the browser gets a code without logging in again.
      const afterwards = await authorizeCode(() => base, base, client, browser)
      expect(afterwards.served).toHaveLength(1)
      // The code refused during the outage was not spent by the refusal.
      expect((await redeemCode(base, client, unused)).status).toBe(200)
      // The refresh token refused during the outage was not rotated by the refusal.
      const refreshed = await refresh(base, client, kept.refresh_token ?? '')
      expect(refreshed.status, await refreshed.clone().text()).toBe(200)
      // The revocation made before the outage still holds; the used code is still known as used.
      expect(await isActive(base, client, revoked.access_token)).toBe(false)
      expect((await redeemCode(base, client, used)).status).toBe(400)
      expect(instance.child.exitCode).toBeNull()
    })
  })
}
