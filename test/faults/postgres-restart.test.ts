/**
 * PostgreSQL stopped and started again under load, on a server of its own (the other suites keep the
 * shared one): while it is down, requests that need it get 503 `temporarily_unavailable` (JSON on the
 * API endpoints, an error page in the browser), never a 500 or a stack trace; when it is back, the same
 * running instance serves again without being restarted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPostgres, type ThrowawayPostgres } from '../../scripts/services.mjs'
import { createTestDatabase, serviceUrl } from '../storage/services.js'
import {
  authorizeCode, Browser, clientRequest, redeemCode, redisDatabase, seedDatabase, startInstance, waitFor, REDIRECT_URI,
  type FaultClient, type Instance, type TokenResponse,
} from './instances.js'

const sharedRedis = serviceUrl('REDIS_URL')

interface Answer {
  /** `up` only for a request sent and answered before PostgreSQL was halted: one in flight at the halt may fail. */
  phase: 'up' | 'down' | 'recovering'
  what: string
  status: number
  contentType: string
  retryAfter: string | null
  body: string
}

const STACK_TRACE = /\n\s+at .+:\d+:\d+|node_modules|\.ts:\d+/

if (sharedRedis) {
  describe('PostgreSQL restarted under load', { timeout: 120_000 }, () => {
    let postgres: ThrowawayPostgres
    let databaseUrl: string
    let instance: Instance
    let client: FaultClient

    beforeAll(async () => {
      postgres = await startPostgres()
      databaseUrl = (await createTestDatabase(postgres.url)).url
      client = await seedDatabase(databaseUrl)
      instance = await startInstance({ databaseUrl, redisUrl: redisDatabase(sharedRedis, 3) })
    })
    afterAll(async () => {
      await instance?.kill()
      postgres?.stop()
    })

    it('answers 503 temporarily_unavailable while it is down and recovers by itself', async () => {
      const base = instance.url
      const browser = new Browser()
      const authorized = await authorizeCode(() => base, base, client, browser)
      const tokens = (await (await redeemCode(base, client, authorized)).json()) as TokenResponse
      const authorizeUrl = `${base}/authorize?${new URLSearchParams({
        response_type: 'code', client_id: client.id, redirect_uri: REDIRECT_URI, scope: 'openid', state: 's',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
      }).toString()}`
      // Each kind of request needs PostgreSQL: the client record, the refresh-token family, the API's notes.
      // Success is 200, or 303 for the authorize page (the browser's session gets a code at once).
      const succeeded = (answer: Answer) => answer.status === (answer.what === 'authorize page' ? 303 : 200)
      const requests: [string, () => Promise<Response>][] = [
        ['client credentials', () => clientRequest(base, '/token', client, { grant_type: 'client_credentials', scope: 'notes:read' })],
        ['introspection', () => clientRequest(base, '/introspect', client, { token: tokens.refresh_token ?? '' })],
        ['authorize page', () => browser.get(authorizeUrl)],
        ['notes API', () => fetch(`${base}/api/notes`, { headers: { authorization: `Bearer ${tokens.access_token}` } })],
      ]
      const answers: Answer[] = []
      let phase: Answer['phase'] = 'up'
      let running = true
      const worker = async (offset: number) => {
        for (let n = offset; running; n++) {
          const [what, send] = requests[n % requests.length] as [string, () => Promise<Response>]
          const sentIn = phase
          const response = await send()
          const requestPhase = sentIn === 'up' && phase !== 'up' ? 'down' : sentIn
          answers.push({
            phase: requestPhase, what, status: response.status, contentType: response.headers.get('content-type') ?? '',
            retryAfter: response.headers.get('retry-after'), body: await response.text(),
          })
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
      }
      const load = Promise.all([0, 1, 2, 3].map(worker))
      try {
        await waitFor('answers with PostgreSQL up', async () => answers.filter((a) => a.phase === 'up').length >= 8)
        phase = 'down'
        postgres.halt()
        await waitFor('every kind of request to be refused', async () =>
          requests.every(([what]) => answers.some((a) => a.phase === 'down' && a.what === what && a.status === 503)))
        const ready = await fetch(`${base}/readyz`)
        expect(ready.status).toBe(503)
        expect(await ready.json()).toMatchObject({ status: 'unavailable', unavailable: 'postgres' })
        expect((await fetch(`${base}/healthz`)).status).toBe(200)

        phase = 'recovering'
        postgres.resume()
        await waitFor('/readyz to answer 200', async () => (await fetch(`${base}/readyz`)).status === 200)
        const since = answers.length
        await waitFor('every kind of request to succeed again', async () =>
          requests.every(([what]) => answers.slice(since).some((a) => a.what === what && succeeded(a))))
      } finally {
        running = false
        await load
      }

      for (const answer of answers) {
        expect(succeeded(answer) || answer.status === 503, `${answer.what}: ${answer.status} ${answer.body.slice(0, 200)}`).toBe(true)
        expect(answer.body).not.toMatch(STACK_TRACE)
        if (answer.phase === 'up') expect(succeeded(answer), answer.what).toBe(true)
        if (answer.status !== 503) continue
        expect(answer.retryAfter).toMatch(/^\d+$/)
        if (answer.what === 'authorize page') {
          expect(answer.contentType).toMatch(/^text\/html/)
          expect(answer.body).toContain('temporarily_unavailable')
        } else {
          expect(JSON.parse(answer.body)).toMatchObject({ error: 'temporarily_unavailable' })
        }
      }
      expect(instance.child.exitCode).toBeNull()
    })
  })
}
