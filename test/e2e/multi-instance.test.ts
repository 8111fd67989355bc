/**
 * Two `tessera-oidc serve` processes behind one issuer, on one PostgreSQL database and one Redis, driven by a
 * client that sends each request to the next instance in turn (issue 5, "Several instances").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, serviceUrl } from '../storage/services.js'
import {
  authorizeCode, Browser, clientRequest, isActive, kidOf, redeemCode, redisDatabase, refresh, seedDatabase, startInstance,
  tesseraCommand, waitFor, freePort, type FaultClient, type Instance, type TokenResponse,
} from '../faults/instances.js'

const adminUrl = serviceUrl('DATABASE_URL')
const sharedRedis = serviceUrl('REDIS_URL')

if (adminUrl && sharedRedis) {
  describe('two instances behind one issuer', { timeout: 60_000 }, () => {
    let database: { url: string; drop: () => Promise<void> }
    const redisUrl = redisDatabase(sharedRedis, 1)
    let a: Instance
    let b: Instance
    let client: FaultClient
    let issuer: string
    // Strict alternation: consecutive requests never reach the same instance.
    let turn = 0
    const next = () => ((turn++ % 2 === 0 ? a : b).url)

    beforeAll(async () => {
      database = await createTestDatabase(adminUrl)
      client = await seedDatabase(database.url)
      // The issuer is neither instance's own address: as behind a load balancer, it names the service.
      issuer = `http://127.0.0.1:${await freePort()}`
      const started = await Promise.all([0, 1].map(() => startInstance({ databaseUrl: database.url, redisUrl, issuer })))
      a = started[0] as Instance
      b = started[1] as Instance
    })
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()])
      await database?.drop()
    })

    async function tokens(response: Response): Promise<TokenResponse> {
      expect(response.status, await response.clone().text()).toBe(200)
      return (await response.json()) as TokenResponse
    }

    it('runs the code flow with login started on one instance and finished on the other, then refresh and revocation across both', async () => {
      const browser = new Browser()
      turn = 0
      const authorized = await authorizeCode(next, issuer, client, browser)
      // authorize on A, the login page on B, the login form on A: the interaction and the session cross over.
      expect(authorized.served.slice(0, 3)).toEqual([a.url, b.url, a.url])

      const first = await tokens(await redeemCode(a.url, client, authorized))
      expect(first.refresh_token).toBeDefined()
      // RFC 6749 §4.1.2: the code is single use on every instance.
      expect((await redeemCode(b.url, client, authorized)).status).toBe(400)
      // The replay revoked the grant everywhere (RFC 6749 §4.1.2, "SHOULD revoke").
      expect(await isActive(a.url, client, first.access_token)).toBe(false)

      const second = await tokens(await redeemCode(b.url, client, await authorizeCode(next, issuer, client, browser)))
      expect(await isActive(a.url, client, second.access_token)).toBe(true)
      const rotated = await tokens(await refresh(a.url, client, second.refresh_token ?? ''))
      const rotatedAgain = await tokens(await refresh(b.url, client, rotated.refresh_token ?? ''))
      // The token rotated on A is spent on B too: reuse revokes the family (RFC 9700 §4.14.2).
      expect((await refresh(b.url, client, second.refresh_token ?? '')).status).toBe(400)
      expect((await refresh(a.url, client, rotatedAgain.refresh_token ?? '')).status).toBe(400)

      const third = await tokens(await redeemCode(a.url, client, await authorizeCode(next, issuer, client, browser)))
      expect(await isActive(b.url, client, third.access_token)).toBe(true)
      const revoked = await clientRequest(a.url, '/revoke', client, { token: third.access_token, token_type_hint: 'access_token' })
      expect(revoked.status).toBe(200)
      // No waiting: the other instance refuses the revoked token on its very next introspection.
      expect(await isActive(b.url, client, third.access_token)).toBe(false)
      const userinfo = await fetch(`${b.url}/userinfo`, { headers: { authorization: `Bearer ${third.access_token}` } })
      expect(userinfo.status).toBe(401)

      // Revoking the refresh token on B ends the grant on A: its access token and the refresh token itself.
      const fourth = await tokens(await redeemCode(b.url, client, await authorizeCode(next, issuer, client, browser)))
      expect((await clientRequest(b.url, '/revoke', client, { token: fourth.refresh_token ?? '' })).status).toBe(200)
      expect(await isActive(a.url, client, fourth.access_token)).toBe(false)
      expect((await refresh(a.url, client, fourth.refresh_token ?? '')).status).toBe(400)
    })

    it('lets at most one of many concurrent redemptions of one code succeed across the instances, and the replays revoke it', async () => {
      const authorized = await authorizeCode(() => a.url, issuer, client, new Browser())
      const answers = await Promise.all(Array.from({ length: 10 }, (_, n) => redeemCode(n % 2 ? a.url : b.url, client, authorized)))
      const granted = answers.filter((response) => response.status === 200)
      // A replay racing the winner may revoke the grant before the winner's own revocation check: then
      // nobody gets tokens, which is the safe outcome (RFC 6749 §4.1.2).
      expect(granted.length).toBeLessThanOrEqual(1)
      const refused = answers.filter((response) => response.status === 400)
      expect(refused).toHaveLength(answers.length - granted.length)
      for (const response of refused) expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
      for (const response of granted) expect(await isActive(b.url, client, ((await response.json()) as TokenResponse).access_token)).toBe(false)
    })

    it('picks up a key rotation made by the CLI on both instances without restart', async () => {
      const before = await tokens(await clientRequest(a.url, '/token', client, { grant_type: 'client_credentials', scope: 'notes:read' }))
      const oldKid = kidOf(before.access_token)
      tesseraCommand(database.url, redisUrl, 'keys', 'rotate')
      for (const instance of [a, b]) {
        await waitFor(`${instance.url} to sign with the new key`, async () => {
          const issued = await tokens(await clientRequest(instance.url, '/token', client, { grant_type: 'client_credentials', scope: 'notes:read' }))
          return kidOf(issued.access_token) !== oldKid
        })
      }
      const fromA = await tokens(await clientRequest(a.url, '/token', client, { grant_type: 'client_credentials', scope: 'notes:read' }))
      const fromB = await tokens(await clientRequest(b.url, '/token', client, { grant_type: 'client_credentials', scope: 'notes:read' }))
      expect(kidOf(fromA.access_token)).toBe(kidOf(fromB.access_token))
      // Both publish the new key and keep the old one until its tokens expire; each accepts the other's tokens.
      for (const instance of [a, b]) {
        const jwks = (await (await fetch(`${instance.url}/jwks`)).json()) as { keys: { kid: string }[] }
        expect(jwks.keys.map((key) => key.kid)).toEqual(expect.arrayContaining([oldKid, kidOf(fromA.access_token)]))
      }
      expect(await isActive(b.url, client, fromA.access_token)).toBe(true)
      expect(await isActive(a.url, client, before.access_token)).toBe(true)
    })
  })
}
