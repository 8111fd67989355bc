import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StorageUnavailableError } from '../../src/client/index.js'
import { openRedisClientStore } from '../../src/client/redis-store.js'
import { eventually, serviceUrl, startTcpProxy, withPort } from '../storage/services.js'
import { NOW, clientStoreContract, session, transaction } from './store-contract.js'

const redisUrl = serviceUrl('REDIS_URL')

if (redisUrl) {
  // A key prefix per store keeps the tests of this file (and of other files and runs) apart in the one Redis.
  const newPrefix = (): string => `tessera-test:rp:${randomBytes(6).toString('hex')}:`
  let raw: Redis
  beforeAll(() => {
    raw = new Redis(redisUrl)
  })
  afterAll(async () => {
    await raw.quit()
  })

  clientStoreContract('redis', () => openRedisClientStore({ url: redisUrl, prefix: newPrefix() }))

  describe('openRedisClientStore', () => {
    it('stores JSON under the prefix with a TTL from expires_at, and updates keep the TTL', async () => {
      const prefix = newPrefix()
      const store = await openRedisClientStore({ url: redisUrl, prefix })
      await store.transactions.save(transaction('t', { expires_at: NOW + 600 }))
      await store.sessions.save(session('s', { expires_at: NOW + 3600 }))
      // Whole seconds as set, give or take the time the test takes.
      const seconds = async (key: string): Promise<number> => Math.round((await raw.pttl(prefix + key)) / 10_000) * 10
      expect(await seconds('tx:t')).toBe(600)
      expect(await seconds('session:s')).toBe(3600)
      expect(JSON.parse((await raw.get(`${prefix}session:s`)) ?? '')).toEqual(session('s', { expires_at: NOW + 3600 }))
      await store.sessions.updateTokens('s', 'v1.new', NOW + 1)
      await store.sessions.touch('s', NOW + 2)
      expect(await seconds('session:s')).toBe(3600)
      expect(await store.sessions.get('s', NOW)).toEqual(session('s', { tokens: 'v1.new', tokens_version: 1, updated_at: NOW + 2, expires_at: NOW + 3600 }))
      expect(await raw.exists(`${prefix}session:never`)).toBe(0)
      await store.sessions.touch('never', NOW)
      expect(await raw.exists(`${prefix}session:never`)).toBe(0)
      await store.close()
    })

    it('uses `tessera:rp:` as the default prefix', async () => {
      const store = await openRedisClientStore({ url: redisUrl })
      const key = `default-prefix-${randomBytes(6).toString('hex')}`
      await store.transactions.save(transaction(key))
      expect(await raw.exists(`tessera:rp:tx:${key}`)).toBe(1)
      expect(await store.transactions.consume(key)).toEqual(transaction(key))
      await store.close()
    })

    it('turns expires_at into a TTL with the given clock', async () => {
      const prefix = newPrefix()
      const store = await openRedisClientStore({ url: redisUrl, prefix, clock: () => 1000 })
      await store.transactions.save(transaction('clocked', { created_at: 1000, expires_at: 1600 }))
      expect(Math.round((await raw.pttl(`${prefix}tx:clocked`)) / 10_000) * 10).toBe(600)
      await store.close()
    })

    it('lets exactly one of two instances consume a transaction', async () => {
      const prefix = newPrefix()
      const [a, b] = await Promise.all([openRedisClientStore({ url: redisUrl, prefix }), openRedisClientStore({ url: redisUrl, prefix })])
      await a.transactions.save(transaction('two-instances'))
      const results = await Promise.all(Array.from({ length: 40 }, (_, n) => (n % 2 ? a : b).transactions.consume('two-instances')))
      expect(results.filter(Boolean)).toEqual([transaction('two-instances')])
      await Promise.all([a.close(), b.close()])
    })

    it('leaves a client passed in open on close', async () => {
      const shared = new Redis(redisUrl)
      const borrowed = await openRedisClientStore({ redis: shared, prefix: newPrefix() })
      await borrowed.close()
      expect(await shared.ping()).toBe('PONG')
      await shared.quit()
    })

    it('survives losing its connection (no crash), fails calls meanwhile and recovers by itself', async () => {
      const proxy = await startTcpProxy(redisUrl)
      const store = await openRedisClientStore({ url: withPort(redisUrl, proxy.port), prefix: newPrefix() })
      try {
        await store.sessions.save(session('outage'))
        await proxy.interrupt()
        // A typed error the app can answer with 503, not the driver's own.
        await expect(store.sessions.get('outage', NOW)).rejects.toMatchObject({ name: 'StorageUnavailableError', backend: 'redis' })
        await proxy.resume()
        expect(await eventually(() => store.sessions.get('outage', NOW))).toEqual(session('outage'))
      } finally {
        await store.close().catch(() => undefined)
        await proxy.close()
      }
    })

    it('rejects opening when Redis cannot be reached', async () => {
      await expect(openRedisClientStore({ url: 'redis://127.0.0.1:1', redisOptions: { connectTimeout: 500, retryStrategy: () => null } })).rejects.toBeInstanceOf(StorageUnavailableError)
    })
  })
}
