import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { openRedisCounterStore } from '../../src/storage/redis-counters.js'
import { StorageUnavailableError } from '../../src/storage/types.js'
import { counterStoreContract } from '../server/abuse/counter-contract.js'
import { serviceUrl } from './services.js'

const redisUrl = serviceUrl('REDIS_URL')

if (redisUrl) {
  counterStoreContract('Redis', async () => openRedisCounterStore({ url: redisUrl, prefix: `tessera-test:abuse:${randomBytes(6).toString('hex')}:` }))

  describe('Redis counter store', () => {
    it('shares counts between two connections (two instances)', async () => {
      const prefix = `tessera-test:abuse:${randomBytes(6).toString('hex')}:`
      const [a, b] = [openRedisCounterStore({ url: redisUrl, prefix }), openRedisCounterStore({ url: redisUrl, prefix })]
      await a.increment('login:address:203.0.113.1', 60, 1000)
      expect((await b.increment('login:address:203.0.113.1', 60, 1000)).count).toBe(2)
      await Promise.all([a.close(), b.close()])
    })

    it('rejects with StorageUnavailableError when Redis cannot be reached', async () => {
      const store = openRedisCounterStore({ url: 'redis://127.0.0.1:1' })
      await expect(store.increment('k', 60, 1000)).rejects.toBeInstanceOf(StorageUnavailableError)
      await store.close()
    })
  })
}
