/**
 * `kill -9` of a `tessera-oidc serve` process (PostgreSQL + Redis) in the middle of a load of code
 * redemptions and refreshes: nothing is redeemed twice, no refresh family forks, no rotation is left
 * half done, and the restarted instance serves every token the killed one handed out.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, serviceUrl } from '../storage/services.js'
import {
  authorizeCode, Browser, isActive, redeemCode, redisDatabase, refresh, seedDatabase, startInstance,
  type AuthorizedCode, type FaultClient, type Instance, type TokenResponse,
} from './instances.js'

const adminUrl = serviceUrl('DATABASE_URL')
const sharedRedis = serviceUrl('REDIS_URL')

type Operation =
  | { kind: 'code'; code: AuthorizedCode }
  | { kind: 'refresh'; token: string }

/** What the client saw: tokens (acknowledged), a refusal, or no answer because the process died. */
type Outcome = { status: 'issued'; tokens: TokenResponse } | { status: 'refused'; code: number; body: string } | { status: 'lost' }

async function perform(base: string, client: FaultClient, operation: Operation): Promise<Outcome> {
  try {
    const response = operation.kind === 'code' ? await redeemCode(base, client, operation.code) : await refresh(base, client, operation.token)
    const body = await response.text()
    return response.status === 200 ? { status: 'issued', tokens: JSON.parse(body) as TokenResponse } : { status: 'refused', code: response.status, body }
  } catch {
    return { status: 'lost' }
  }
}

/** Families (grant ids) with more than one live refresh token, or with tokens but none live. */
async function brokenFamilies(databaseUrl: string): Promise<{ forked: string[]; halfWritten: string[] }> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ grant_id: string; live: string }>(
      'SELECT grant_id, count(*) FILTER (WHERE consumed_at IS NULL) AS live FROM refresh_tokens GROUP BY grant_id',
    )
    return {
      forked: rows.filter((row) => Number(row.live) > 1).map((row) => row.grant_id),
      halfWritten: rows.filter((row) => Number(row.live) === 0).map((row) => row.grant_id),
    }
  } finally {
    await client.end()
  }
}

if (adminUrl && sharedRedis) {
  describe('kill -9 of an instance under load', { timeout: 120_000 }, () => {
    let database: { url: string; drop: () => Promise<void> }
    const redisUrl = redisDatabase(sharedRedis, 2)
    let instance: Instance | undefined
    let client: FaultClient

    beforeAll(async () => {
      database = await createTestDatabase(adminUrl)
      client = await seedDatabase(database.url)
    })
    afterAll(async () => {
      await instance?.kill()
      await database?.drop()
    })

    it('loses nothing it acknowledged, redeems no code twice and forks no refresh family', async () => {
      const first = await startInstance({ databaseUrl: database.url, redisUrl })
      instance = first
      const base = first.url
      const browser = new Browser()
      const codes: AuthorizedCode[] = []
      for (let n = 0; n < 60; n++) codes.push(await authorizeCode(() => base, base, client, browser))
      // Half the codes become refresh-token families before the load; the other half is redeemed in it.
      const families: string[] = []
      for (const code of codes.slice(0, 30)) {
        const outcome = await perform(base, client, { kind: 'code', code })
        if (outcome.status !== 'issued' || !outcome.tokens.refresh_token) throw new Error(`setup redemption failed: ${JSON.stringify(outcome)}`)
        families.push(outcome.tokens.refresh_token)
      }
      const operations: Operation[] = []
      for (let n = 0; n < 30; n++) {
        operations.push({ kind: 'code', code: codes[30 + n] as AuthorizedCode }, { kind: 'refresh', token: families[n] as string })
      }

      // Eight clients at a time; the process is killed once a third of the operations were answered, so
      // some requests are in flight, some answered and some not yet sent.
      const outcomes: Outcome[] = new Array(operations.length)
      let started = 0
      let answered = 0
      let killing: Promise<void> | undefined
      const worker = async () => {
        while (started < operations.length) {
          const index = started++
          outcomes[index] = await perform(base, client, operations[index] as Operation)
          if (++answered === Math.floor(operations.length / 3)) killing = first.kill()
        }
      }
      await Promise.all(Array.from({ length: 8 }, worker))
      await killing
      expect(first.child.signalCode).toBe('SIGKILL')
      // Answers given before the kill are tokens, never errors: the load itself is valid.
      for (const outcome of outcomes) expect(outcome.status).not.toBe('refused')
      const issued = outcomes.filter((outcome) => outcome.status === 'issued')
      expect(issued.length).toBeGreaterThanOrEqual(Math.floor(operations.length / 3))

      // The database as the killed process left it: every rotation happened entirely or not at all.
      expect(await brokenFamilies(database.url)).toEqual({ forked: [], halfWritten: [] })

      const second = await startInstance({ databaseUrl: database.url, redisUrl, port: first.port, issuer: base })
      instance = second
      // Everything acknowledged works on the restarted instance: access tokens are active, refresh tokens refresh.
      for (const outcome of issued) {
        const { tokens } = outcome as { tokens: TokenResponse }
        expect(await isActive(base, client, tokens.access_token)).toBe(true)
        const refreshed = await refresh(base, client, tokens.refresh_token ?? '')
        expect(refreshed.status, await refreshed.clone().text()).toBe(200)
      }

      // An operation whose answer was lost is retried, as a client would: it either completes now, or
      // was completed before the kill and is refused as a replay (which revokes that grant). Never both,
      // never a server error.
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.status === 'issued') continue
        const retried = await perform(base, client, operations[index] as Operation)
        if (retried.status === 'refused') {
          expect(retried.code).toBe(400)
          expect(JSON.parse(retried.body)).toMatchObject({ error: 'invalid_grant' })
        } else {
          expect(retried.status).toBe('issued')
        }
      }
      // No code redeems twice: every code of the load is spent now, whatever happened to its first attempt.
      for (const operation of operations) {
        if (operation.kind !== 'code') continue
        const again = await redeemCode(base, client, operation.code)
        expect(again.status).toBe(400)
      }
      expect(await brokenFamilies(database.url)).toEqual({ forked: [], halfWritten: [] })
    })
  })
}
