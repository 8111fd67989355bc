/**
 * The rotation grace (`lifetimes.refreshTokenReuseGrace`, issue 21): a rotated refresh token repeated by its
 * own client within the grace gets the same successor, never a second one; late, from another client, or
 * after the successor was used it is reuse as ever (RFC 9700 §4.14.2). Over real HTTP against every server
 * store, with the server's clock moved by the test.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { nodeHandler } from '../../../src/adapters/node.js'
import { sha256 } from '../../../src/crypto/random.js'
import { createAuthorizationServer } from '../../../src/server/create-server.js'
import { ConfigError } from '../../../src/server/config.js'
import { CONFIG_FILE_SCHEMA } from '../../../src/standalone/config-file.js'
import { createMemoryStore } from '../../../src/storage/memory.js'
import type { Store } from '../../../src/storage/types.js'
import { dpopKey, dpopProof, type DpopKey } from '../../helpers/dpop.js'
import { authenticatedAs, createHarness, ISSUER, json, REDIRECT_URI, SECRET, START, type ClientName, type Harness } from '../../helpers/server-values.js'
import { createTestDatabase, emptyAllTables } from '../../storage/services.js'

const GRACE = 10
const INVALID = { error: 'invalid_grant', error_description: 'The refresh token is invalid, expired or revoked' }

interface OpenedStore {
  store: Store
  dispose(): Promise<void>
}

interface StoreCase {
  name: string
  /** A fresh, empty store; `clock` is the server's (Redis turns expiry times into TTLs with it). */
  open(clock: () => number): Promise<OpenedStore>
}

const adminUrl = process.env.DATABASE_URL
const redisUrl = process.env.REDIS_URL
let database: { url: string; drop: () => Promise<void> } | undefined

const STORES: StoreCase[] = [
  { name: 'memory', open: async () => ({ store: createMemoryStore(), dispose: async () => undefined }) },
  {
    name: 'SQLite',
    async open() {
      const { openSqliteStore } = await import('../../../src/storage/sqlite.js')
      return { store: await openSqliteStore({ filename: ':memory:' }), dispose: async () => undefined }
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const url = await postgresDatabase()
      const { openPostgresStore } = await import('../../../src/storage/postgres.js')
      return { store: await openPostgresStore({ connectionString: url }), dispose: async () => undefined }
    },
  },
  {
    name: 'PostgreSQL + Redis',
    async open(clock) {
      const url = await postgresDatabase()
      if (!redisUrl) throw new Error('REDIS_URL is not set: run `node scripts/services.mjs -- npx vitest run test/server/grants/refresh-grace.test.ts`')
      const { openPostgresRedisStore } = await import('../../../src/storage/composite.js')
      const prefix = `tessera-test:${randomBytes(6).toString('hex')}:`
      return { store: await openPostgresRedisStore({ databaseUrl: url, redisUrl, redis: { prefix, clock } }), dispose: async () => undefined }
    },
  },
]

/** One database for the file, emptied for each test. */
async function postgresDatabase(): Promise<string> {
  if (!adminUrl) throw new Error('DATABASE_URL is not set: run `node scripts/services.mjs -- npx vitest run test/server/grants/refresh-grace.test.ts`')
  database ??= await createTestDatabase(adminUrl)
  await emptyAllTables(database.url)
  return database.url
}

afterAll(async () => {
  await database?.drop()
})

interface Answer {
  status: number
  body: Record<string, unknown>
}

interface Tokens {
  access_token: string
  refresh_token: string
  token_type: string
}

describe.each(STORES)('rotation grace on the $name store', ({ open }) => {
  const clock = { now: START }
  let opened: OpenedStore
  let harness: Harness
  let http: Server | undefined
  let base: string

  beforeEach(async () => {
    clock.now = START
    opened = await open(() => clock.now)
    harness = await createHarness({ store: opened.store, now: () => clock.now, lifetimes: { refreshTokenReuseGrace: GRACE } })
    const listening = createServer(nodeHandler(harness.server, ISSUER))
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`
    http = listening
  })

  afterEach(async () => {
    const listening = http
    http = undefined
    if (!listening) return
    listening.closeAllConnections()
    await new Promise((resolve) => listening.close(resolve))
    await harness.server.audit.flush()
    await opened.store.close()
    await opened.dispose()
  })

  async function post(path: string, client: ClientName, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    const request = authenticatedAs(client, form)
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...request.headers, ...headers },
      body: new URLSearchParams(request.form).toString(),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  const refresh = (token: string, client: ClientName = 'app', headers: Record<string, string> = {}) =>
    post('/token', client, { grant_type: 'refresh_token', refresh_token: token }, headers)

  async function refreshed(token: string, client: ClientName = 'app', headers: Record<string, string> = {}): Promise<Tokens> {
    const answer = await refresh(token, client, headers)
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    return answer.body as unknown as Tokens
  }

  const active = async (token: string): Promise<boolean> => (await post('/introspect', 'app', { token })).body.active === true

  /** Live in the store: found (not expired, grant not revoked) and not rotated. */
  async function live(token: string): Promise<boolean> {
    const record = await harness.store.refreshTokens.find(sha256(token), clock.now)
    return record !== undefined && record.consumed_at === null
  }

  async function audited(type: string) {
    await harness.server.audit.flush()
    return harness.store.audit.list({ type, limit: 100 })
  }

  it('within the grace, a repeat gets the same successor with a new access token, and the successor keeps working', async () => {
    const first = await harness.tokens()
    clock.now += 1
    const rotated = await refreshed(first.refresh_token ?? '')
    clock.now += GRACE - 1
    const repeat = await refreshed(first.refresh_token ?? '')
    expect(repeat.refresh_token).toBe(rotated.refresh_token)
    expect(repeat.access_token).not.toBe(rotated.access_token)
    expect(await active(repeat.access_token)).toBe(true)
    expect(await active(rotated.access_token)).toBe(true)
    expect(await active(rotated.refresh_token)).toBe(true)

    const next = await refreshed(rotated.refresh_token)
    expect(next.refresh_token).not.toBe(rotated.refresh_token)
    expect(await audited('refresh_token.reused_within_grace')).toMatchObject([{ client_id: 'app', subject: harness.alice.id }])
    expect(await audited('refresh_token.reused')).toEqual([])
  })

  it('after the grace, the repeat is reuse: invalid_grant, and the successor and its access token are dead', async () => {
    const first = await harness.tokens()
    const rotated = await refreshed(first.refresh_token ?? '')
    clock.now += GRACE
    expect(await refresh(first.refresh_token ?? '')).toEqual({ status: 400, body: INVALID })
    expect(await refresh(rotated.refresh_token)).toEqual({ status: 400, body: INVALID })
    expect(await active(rotated.access_token)).toBe(false)
    expect(await audited('refresh_token.reused')).toMatchObject([{ client_id: 'app' }])
  })

  it('from another client, the rotated token revokes the family even within the grace', async () => {
    const first = await harness.tokens()
    const rotated = await refreshed(first.refresh_token ?? '')
    clock.now += 1
    expect(await refresh(first.refresh_token ?? '', 'other')).toEqual({ status: 400, body: INVALID })
    expect(await refresh(rotated.refresh_token)).toEqual({ status: 400, body: INVALID })
    expect(await refresh(first.refresh_token ?? '')).toEqual({ status: 400, body: INVALID })
    const [reused] = await audited('refresh_token.reused')
    expect(reused).toMatchObject({ client_id: 'app', details: { presented_by: 'other' } })
  })

  it('once the successor has been used, a repeat of its predecessor revokes everything', async () => {
    const first = await harness.tokens()
    const rotated = await refreshed(first.refresh_token ?? '')
    const newest = await refreshed(rotated.refresh_token)
    clock.now += 1
    expect(await refresh(first.refresh_token ?? '')).toEqual({ status: 400, body: INVALID })
    expect(await refresh(newest.refresh_token)).toEqual({ status: 400, body: INVALID })
    expect(await active(newest.access_token)).toBe(false)
  })

  it('many parallel presentations of one token: one rotation, and everyone gets its successor', async () => {
    const first = await harness.tokens()
    clock.now += 1
    const answers = await Promise.all(Array.from({ length: 12 }, () => refresh(first.refresh_token ?? '')))
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200))
    const successors = new Set(answers.map((answer) => answer.body.refresh_token))
    expect(successors.size).toBe(1)
    const [successor = ''] = successors as Set<string>
    expect(await live(successor)).toBe(true)
    // Twelve access tokens, one family: the winner's token.issued and eleven repeats.
    expect(new Set(answers.map((answer) => answer.body.access_token)).size).toBe(12)
    expect(await audited('refresh_token.reused_within_grace')).toHaveLength(11)
  })

  it('at the grace boundary, parallel repeats racing the successor\'s own use never leave two live chains', async () => {
    const first = await harness.tokens()
    const rotated = await refreshed(first.refresh_token ?? '')
    // The grace's last second: the repeats and the successor's rotation race; each repeat gets the successor
    // (still unused when it was asked) or invalid_grant (used already, which revokes the family).
    clock.now += GRACE - 1
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => refresh(first.refresh_token ?? '')),
      refresh(rotated.refresh_token),
      ...Array.from({ length: 8 }, () => refresh(first.refresh_token ?? '')),
    ])
    const handedOut = new Set<string>()
    for (const [index, answer] of answers.entries()) {
      if (answer.status !== 200) {
        expect(answer).toEqual({ status: 400, body: INVALID })
        continue
      }
      const token = String(answer.body.refresh_token)
      // A repeat hands out the one successor, never a token of its own.
      if (index !== 8) expect(token).toBe(rotated.refresh_token)
      handedOut.add(token)
    }
    const stillLive = await Promise.all([...handedOut].map(live))
    expect(stillLive.filter(Boolean).length).toBeLessThanOrEqual(1)

    // And at the boundary itself every repeat is reuse: all answers invalid_grant, nothing live.
    clock.now += 1
    const late = await Promise.all(Array.from({ length: 8 }, () => refresh(first.refresh_token ?? '')))
    for (const answer of late) expect(answer).toEqual({ status: 400, body: INVALID })
    const survivors = await Promise.all([...handedOut].map(live))
    expect(survivors.filter(Boolean)).toEqual([])
  })

  describe('with DPoP', () => {
    let k1: DpopKey
    let k2: DpopKey
    beforeAll(async () => {
      ;[k1, k2] = await Promise.all([dpopKey(), dpopKey()])
    })
    const proof = async (key: DpopKey) => ({ dpop: await dpopProof(key, { htm: 'POST', htu: `${ISSUER}/token`, iat: clock.now }) })

    it('a public client\'s repeat must prove the family\'s key; another key is refused without harming the family', async () => {
      const issued = await harness.authorizationCode({ client: 'pub' })
      const exchanged = await post('/token', 'pub', { grant_type: 'authorization_code', code: issued.code, code_verifier: issued.verifier, redirect_uri: REDIRECT_URI }, await proof(k1))
      expect(exchanged.status).toBe(200)
      const first = exchanged.body as unknown as Tokens
      const rotated = await refreshed(first.refresh_token, 'pub', await proof(k1))
      expect(await refresh(first.refresh_token, 'pub', await proof(k2))).toEqual({ status: 400, body: INVALID })
      expect(await refresh(first.refresh_token, 'pub')).toEqual({ status: 400, body: INVALID })
      const repeat = await refreshed(first.refresh_token, 'pub', await proof(k1))
      expect(repeat).toMatchObject({ refresh_token: rotated.refresh_token, token_type: 'DPoP' })
      expect(await live(rotated.refresh_token)).toBe(true)
    })

    it('a confidential client\'s repeat with another key than the rotation\'s, or none, is reuse', async () => {
      const first = await harness.tokens()
      const rotated = await refreshed(first.refresh_token ?? '', 'app', await proof(k1))
      expect(rotated.token_type).toBe('DPoP')
      expect(await refresh(first.refresh_token ?? '', 'app', await proof(k2))).toEqual({ status: 400, body: INVALID })
      expect(await live(rotated.refresh_token)).toBe(false)

      const again = await harness.tokens()
      await refreshed(again.refresh_token ?? '', 'app', await proof(k1))
      expect(await refresh(again.refresh_token ?? '')).toEqual({ status: 400, body: INVALID })
    })
  })
})

describe('rotation grace off (the default)', () => {
  it('a repeat one second after the rotation revokes the family, as RF-04 asks', async () => {
    const harness = await createHarness()
    const first = await harness.tokens()
    const rotated = await harness.post('/token', 'app', { grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' })
    expect(rotated.status).toBe(200)
    harness.clock.now += 1
    const repeat = await harness.post('/token', 'app', { grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' })
    expect(repeat.status).toBe(400)
    expect(json(repeat)).toEqual(INVALID)
    expect(await harness.store.refreshTokens.find(sha256(String(json(rotated).refresh_token)), harness.clock.now)).toBeUndefined()
  })
})

describe('lifetimes.refreshTokenReuseGrace configuration', () => {
  const configure = (refreshTokenReuseGrace: number) =>
    createAuthorizationServer({ issuer: ISSUER, secret: SECRET, store: createMemoryStore(), lifetimes: { refreshTokenReuseGrace } })

  it('takes 0 to 60 seconds and refuses anything else, naming the field', async () => {
    await expect(configure(0)).resolves.toBeDefined()
    await expect(configure(60)).resolves.toBeDefined()
    for (const bad of [61, -1, 1.5]) {
      await expect(configure(bad)).rejects.toThrow(ConfigError)
      await expect(configure(bad)).rejects.toThrow(/lifetimes\.refreshTokenReuseGrace must be an integer from 0 \(off, the default\) to 60 seconds/)
    }
  })

  it('is a configuration file key, refused above 60 with the trade-off named', () => {
    expect(CONFIG_FILE_SCHEMA.parse({ lifetimes: { refreshTokenReuseGrace: 30 } })).toEqual({ lifetimes: { refreshTokenReuseGrace: 30 } })
    const refused = CONFIG_FILE_SCHEMA.safeParse({ lifetimes: { refreshTokenReuseGrace: 61 } })
    expect(refused.success).toBe(false)
    expect(refused.error?.issues[0]).toMatchObject({ path: ['lifetimes', 'refreshTokenReuseGrace'], message: expect.stringContaining('at most 60 seconds') })
  })
})
