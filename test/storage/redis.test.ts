import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCompositeStore, openPostgresRedisStore } from '../../src/storage/composite.js'
import type { RecordKind } from '../../src/storage/types.js'
import { openPostgresStore } from '../../src/storage/postgres.js'
import { interactionStore } from '../../src/storage/kinds/interactions.js'
import { authorizationCodeStore } from '../../src/storage/kinds/codes.js'
import { loginSessionStore } from '../../src/storage/kinds/sessions.js'
import { openRedisParts, type RedisPartsOptions } from '../../src/storage/redis.js'
import { StorageUnavailableError, type Store } from '../../src/storage/types.js'
import { storeContract } from './contract.js'
import { NOW, USER_ID, accessToken, code, interaction, refreshToken, seed, session } from './fixtures.js'
import { createTestDatabase, emptyAllTables, eventually, serviceUrl, startTcpProxy, withPort } from './services.js'

const adminUrl = serviceUrl('DATABASE_URL')
const redisUrl = serviceUrl('REDIS_URL')

if (adminUrl && redisUrl) {
  let database: { url: string; drop: () => Promise<void> }
  let raw: Redis
  beforeAll(async () => {
    database = await createTestDatabase(adminUrl)
    raw = new Redis(redisUrl)
  })
  afterAll(async () => {
    await database.drop()
    await raw.quit()
  })

  // A key prefix per store keeps the tests of this file (and of other runs) apart in the one Redis. The
  // contract passes a fixed `now`; the same clock turns `expires_at` into TTLs.
  const newPrefix = () => `tessera-test:${randomBytes(6).toString('hex')}:`
  // The parts with the typed views every store puts over its records (src/storage/kinds/).
  const parts = async (options: Partial<RedisPartsOptions> = {}) => {
    const opened = await openRedisParts({ url: redisUrl, prefix: newPrefix(), clock: () => NOW, ...options })
    return { ...opened, codes: authorizationCodeStore(opened.records), sessions: loginSessionStore(opened.records), interactions: interactionStore(opened.records) }
  }
  async function openComposite(prefix = newPrefix()): Promise<Store> {
    const durable = await openPostgresStore({ connectionString: database.url })
    return createCompositeStore({ durable, ephemeral: await parts({ prefix }) })
  }

  storeContract('composite store (PostgreSQL + Redis)', async () => {
    const store = await openComposite()
    await emptyAllTables(database.url)
    return store
  })

  describe('redis parts', () => {
    let ephemeral: Awaited<ReturnType<typeof parts>>
    let prefix: string
    beforeAll(async () => {
      prefix = newPrefix()
      ephemeral = await parts({ prefix })
    })
    afterAll(() => ephemeral.close())

    it('gives every record a Redis TTL from its expires_at', async () => {
      await ephemeral.codes.save(code({ code_hash: 'ttl', expires_at: NOW + 60 }))
      await ephemeral.sessions.create(session({ id_hash: 'ttl', expires_at: NOW + 600 }))
      await ephemeral.interactions.save(interaction({ id: 'ttl', expires_at: NOW + 900 }))
      await ephemeral.revokedTokens.add('ttl', NOW + 30)
      await ephemeral.revokedGrants.revoke('ttl', NOW + 3600)
      await ephemeral.accessTokens.save(accessToken({ token_hash: 'ttl', expires_at: NOW + 300 }))
      // Whole seconds as set, give or take the time the test takes (PTTL counts down in milliseconds).
      const seconds = async (name: string) => Math.ceil((await raw.pttl(prefix + name)) / 5000) * 5
      const ttls = await Promise.all(
        ['code:ttl', 'client:client-a', 'session:ttl', 'subject:user-1', 'interaction:ttl', 'revoked-token:ttl', 'revoked-grant:ttl', 'access-token:ttl', 'user-access-tokens:user-1', 'client-access-tokens:client-a']
          .map(seconds),
      )
      // The user's index (codes and sessions alike) lives as long as their longest record.
      expect(ttls).toEqual([60, 60, 600, 600, 900, 30, 3600, 300, 300, 300])
      // Extending a revocation extends its TTL; a shorter one changes nothing.
      await ephemeral.revokedTokens.add('ttl', NOW + 90)
      await ephemeral.revokedTokens.add('ttl', NOW + 10)
      expect(await seconds('revoked-token:ttl')).toBe(90)
    })

    it('lets Redis drop a record by itself once its TTL has run out', async () => {
      await ephemeral.codes.save(code({ code_hash: 'short', expires_at: NOW + 1 }))
      await ephemeral.revokedTokens.add('short', NOW + 1)
      expect(await raw.exists(`${prefix}code:short`, `${prefix}revoked-token:short`)).toBe(2)
      await new Promise((resolve) => setTimeout(resolve, 1500))
      expect(await raw.exists(`${prefix}code:short`, `${prefix}revoked-token:short`)).toBe(0)
    })

    it('keeps deployments with different prefixes apart', async () => {
      const other = await parts()
      await ephemeral.codes.save(code({ code_hash: 'shared-name' }))
      expect(await other.codes.consume('shared-name', NOW)).toEqual({ status: 'unknown' })
      await other.codes.save(code({ code_hash: 'shared-name' }))
      expect((await ephemeral.codes.consume('shared-name', NOW)).status).toBe('consumed')
      expect((await other.codes.consume('shared-name', NOW)).status).toBe('consumed')
      await other.close()
    })

    it('purges expired records and index entries with a prefix full of glob characters', async () => {
      const globby = await parts({ prefix: `t*[?]\\${newPrefix()}` })
      const neighbour = await parts()
      await globby.sessions.create(session({ id_hash: 'old', expires_at: NOW + 10 }))
      await neighbour.sessions.create(session({ id_hash: 'old', expires_at: NOW + 10 }))
      await globby.purgeExpired(NOW + 10)
      expect(await globby.sessions.get('old', NOW)).toBeUndefined()
      expect(await neighbour.sessions.get('old', NOW)).toBeDefined()
      await Promise.all([globby.close(), neighbour.close()])
    })

    it('reads and ends the login sessions the previous release wrote (per-kind user index)', async () => {
      const legacy = session({ id_hash: 'legacy', user_id: 'user-legacy' })
      await raw.hset(`${prefix}session:legacy`, 'record', JSON.stringify(legacy), 'expires_at', legacy.expires_at)
      await raw.zadd(`${prefix}user-sessions:user-legacy`, legacy.expires_at, 'legacy')
      expect(await ephemeral.sessions.get('legacy', NOW)).toEqual(legacy)
      await ephemeral.sessions.deleteByUser('user-legacy')
      expect(await ephemeral.sessions.get('legacy', NOW)).toBeUndefined()
      expect(await raw.exists(`${prefix}user-sessions:user-legacy`)).toBe(0)
    })

    it('reports a command Redis refuses as that error, not as an outage', async () => {
      await raw.set(`${prefix}code:wrong-type`, 'not a hash')
      const error: unknown = await ephemeral.codes.consume('wrong-type', NOW).catch((e: unknown) => e)
      expect(error).not.toBeInstanceOf(StorageUnavailableError)
      expect(String(error)).toMatch(/WRONGTYPE/)
    })
  })

  describe('composite store across instances', () => {
    it('completes on one instance what another started, and sees its revocations at once', async () => {
      const prefix = newPrefix()
      const [a, b] = await Promise.all([openComposite(prefix), openComposite(prefix)])
      await emptyAllTables(database.url)
      await seed(a)

      await a.interactions.save(interaction())
      expect(await b.interactions.consume('interaction-1', NOW)).toEqual(interaction())
      await a.sessions.create(session())
      expect(await b.sessions.get('session-hash-1', NOW)).toEqual(session())

      await a.codes.save(code())
      const consumed = await Promise.all(Array.from({ length: 50 }, (_, n) => (n % 2 ? a : b).codes.consume('code-hash-1', NOW)))
      expect(consumed.filter((r) => r.status === 'consumed')).toHaveLength(1)
      expect(consumed.filter((r) => r.status === 'replayed')).toHaveLength(49)

      await a.refreshTokens.save(refreshToken())
      const rotated = await Promise.all(
        Array.from({ length: 20 }, (_, n) => (n % 2 ? a : b).refreshTokens.rotate('refresh-hash-1', refreshToken({ token_hash: `next-${n}` }), NOW + 1)),
      )
      expect(rotated.filter((r) => r.status === 'rotated')).toHaveLength(1)

      await a.grants.revoke('grant-1', NOW + 3600)
      expect(await b.grants.isRevoked('grant-1', NOW)).toBe(true)
      expect(await b.refreshTokens.find('refresh-hash-1', NOW + 1)).toBeUndefined()
      await a.revokedTokens.add('jti-1', NOW + 60)
      expect(await b.revokedTokens.has('jti-1', NOW)).toBe(true)
      await Promise.all([a.close(), b.close()])
    })

    it('logs a deleted user out on every instance', async () => {
      const prefix = newPrefix()
      const [a, b] = await Promise.all([openComposite(prefix), openComposite(prefix)])
      await emptyAllTables(database.url)
      await seed(a)
      await a.sessions.create(session())
      await b.users.delete(USER_ID)
      expect(await a.sessions.get('session-hash-1', NOW)).toBeUndefined()
      await Promise.all([a.close(), b.close()])
    })

    it('keeps records of a durable kind in the database, every other kind in Redis', async () => {
      const prefix = newPrefix()
      const durable = await openPostgresStore({ connectionString: database.url })
      const ephemeral = await parts({ prefix })
      const store = createCompositeStore({ durable, ephemeral })
      await emptyAllTables(database.url)
      const LASTING: RecordKind<{ n: number }> = { name: 'lasting', durable: true }
      const FLEETING: RecordKind<{ n: number }> = { name: 'fleeting' }
      await store.records.put(LASTING, { key: 'k', value: { n: 1 }, subject: 's', clientId: null, expiresAt: NOW + 60 })
      await store.records.put(FLEETING, { key: 'k', value: { n: 2 }, subject: 's', clientId: null, expiresAt: NOW + 60 })
      expect((await durable.records.get(LASTING, 'k', NOW))?.value).toEqual({ n: 1 })
      expect(await ephemeral.records.get(LASTING, 'k', NOW)).toBeUndefined()
      expect((await ephemeral.records.get(FLEETING, 'k', NOW))?.value).toEqual({ n: 2 })
      expect(await durable.records.get(FLEETING, 'k', NOW)).toBeUndefined()
      expect((await store.records.listBySubject(LASTING, 's')).map((record) => record.value)).toEqual([{ n: 1 }])
      // Without a kind, "every kind" spans both parts.
      await store.records.deleteBySubject('s')
      expect(await store.records.get(LASTING, 'k', NOW)).toBeUndefined()
      expect(await store.records.get(FLEETING, 'k', NOW)).toBeUndefined()
      await store.close()
    })

    // A revocation whose database step failed was reported as an error, but its Redis mark already
    // stops the family: the refresh token is refused even though the database still has it.
    it('refuses the refresh tokens of a grant marked revoked in Redis even if the database missed it', async () => {
      const prefix = newPrefix()
      const store = await openComposite(prefix)
      await emptyAllTables(database.url)
      await seed(store)
      await store.refreshTokens.save(refreshToken())
      const ephemeral = await parts({ prefix })
      await ephemeral.revokedGrants.revoke('grant-1', NOW + 3600)
      expect(await store.refreshTokens.find('refresh-hash-1', NOW)).toBeUndefined()
      expect(await store.refreshTokens.rotate('refresh-hash-1', refreshToken({ token_hash: 'next' }), NOW)).toEqual({ status: 'unknown' })
      expect(await store.refreshTokens.find('next', NOW)).toBeUndefined()
      // Revoking again (the caller's retry) still deletes the family from the database.
      await store.grants.revoke('grant-1', NOW + 3600)
      expect(await store.refreshTokens.find('refresh-hash-1', NOW + 3601)).toBeUndefined()
      await Promise.all([store.close(), ephemeral.close()])
    })

    it('opens from two URLs with openPostgresRedisStore', async () => {
      const store = await openPostgresRedisStore({ databaseUrl: database.url, redisUrl, redis: { prefix: newPrefix(), clock: () => NOW } })
      await emptyAllTables(database.url)
      await seed(store)
      await store.codes.save(code())
      expect((await store.codes.consume('code-hash-1', NOW)).status).toBe('consumed')
      await store.close()
    })
  })

  describe('redis parts when Redis is unreachable', () => {
    it('rejects opening with StorageUnavailableError, and so does openPostgresRedisStore', async () => {
      const proxy = await startTcpProxy(redisUrl)
      await proxy.close()
      const started = Date.now()
      await expect(parts({ url: withPort(redisUrl, proxy.port) })).rejects.toBeInstanceOf(StorageUnavailableError)
      await expect(openPostgresRedisStore({ databaseUrl: database.url, redisUrl: withPort(redisUrl, proxy.port) })).rejects.toMatchObject({ backend: 'redis' })
      expect(Date.now() - started).toBeLessThan(10_000)
    })

    it('fails calls with StorageUnavailableError during an outage and recovers by itself', async () => {
      const proxy = await startTcpProxy(redisUrl)
      const ephemeral = await parts({ url: withPort(redisUrl, proxy.port) })
      try {
        await ephemeral.codes.save(code())
        await proxy.interrupt()
        const started = Date.now()
        await expect(ephemeral.codes.consume('code-hash-1', NOW)).rejects.toBeInstanceOf(StorageUnavailableError)
        await expect(ephemeral.interactions.save(interaction())).rejects.toBeInstanceOf(StorageUnavailableError)
        await expect(ephemeral.ping()).rejects.toMatchObject({ name: 'StorageUnavailableError', backend: 'redis' })
        expect(Date.now() - started).toBeLessThan(10_000)

        await proxy.resume()
        await eventually(() => ephemeral.ping())
        // Nothing acknowledged before the outage was lost.
        expect((await ephemeral.codes.consume('code-hash-1', NOW)).status).toBe('consumed')
      } finally {
        await ephemeral.close().catch(() => undefined)
        await proxy.close()
      }
    })
  })
}
