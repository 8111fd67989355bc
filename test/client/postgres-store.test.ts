import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StorageUnavailableError } from '../../src/client/index.js'
import { openPostgresClientStore } from '../../src/client/postgres-store.js'
import { createTestDatabase, eventually, serviceUrl, startTcpProxy, withPort } from '../storage/services.js'
import { NOW, clientStoreContract, session, transaction } from './store-contract.js'

const adminUrl = serviceUrl('DATABASE_URL')

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(text)).rows
  } finally {
    await client.end()
  }
}

if (adminUrl) {
  // One database for this file, emptied before every contract test; the other tests open their own.
  let database: { url: string; drop: () => Promise<void> }
  const extra: Array<{ drop: () => Promise<void> }> = []
  beforeAll(async () => {
    database = await createTestDatabase(adminUrl)
  })
  afterAll(async () => {
    await Promise.all([database, ...extra].map((db) => db.drop()))
  })
  const freshDatabase = async (): Promise<string> => {
    const db = await createTestDatabase(adminUrl)
    extra.push(db)
    return db.url
  }

  clientStoreContract('postgres', async () => {
    const store = await openPostgresClientStore({ connectionString: database.url })
    await query(database.url, 'DELETE FROM rp_transactions; DELETE FROM rp_sessions; DELETE FROM rp_session_sids; DELETE FROM rp_logout_tokens')
    return store
  })

  describe('openPostgresClientStore', () => {
    it('creates its tables once when several instances start at the same time, with bigint times', async () => {
      const url = await freshDatabase()
      const stores = await Promise.all(Array.from({ length: 8 }, () => openPostgresClientStore({ connectionString: url })))
      await stores[0]?.sessions.save(session('shared'))
      for (const store of stores) expect(await store.sessions.get('shared', NOW)).toEqual(session('shared'))
      await Promise.all(stores.map((store) => store.close()))
      const reopened = await openPostgresClientStore({ connectionString: url })
      expect(await reopened.sessions.get('shared', NOW)).toEqual(session('shared'))
      await reopened.close()
      const columns = await query<{ table_name: string; column_name: string; data_type: string }>(
        url,
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name LIKE 'rp_%' AND column_name LIKE '%_at' ORDER BY 1, 2",
      )
      expect(columns.map((c) => c.data_type)).toEqual(Array(8).fill('bigint'))
    })

    it('lets exactly one of two instances consume a transaction', async () => {
      const [a, b] = await Promise.all([openPostgresClientStore({ connectionString: database.url }), openPostgresClientStore({ connectionString: database.url })])
      await a.transactions.save(transaction('two-instances'))
      const results = await Promise.all(Array.from({ length: 40 }, (_, n) => (n % 2 ? a : b).transactions.consume('two-instances')))
      expect(results.filter(Boolean)).toEqual([transaction('two-instances')])
      await Promise.all([a.close(), b.close()])
    })

    it('survives losing its connections (no crash), fails calls meanwhile and recovers by itself', async () => {
      const proxy = await startTcpProxy(database.url)
      const store = await openPostgresClientStore({ connectionString: withPort(database.url, proxy.port), pool: { connectionTimeoutMillis: 1000 } })
      try {
        await store.sessions.save(session('outage'))
        // Idle pooled connections are cut: without the 'error' listeners the process would crash here.
        await proxy.interrupt()
        // A typed error the app can answer with 503, not the driver's own.
        await expect(store.sessions.get('outage', NOW)).rejects.toMatchObject({ name: 'StorageUnavailableError', backend: 'postgres' })
        await proxy.resume()
        expect(await eventually(() => store.sessions.get('outage', NOW))).toEqual(session('outage'))
      } finally {
        await store.close()
        await proxy.close()
      }
    })

    it('rejects opening when the server cannot be reached', async () => {
      const url = new URL(database.url)
      url.port = '1'
      await expect(openPostgresClientStore({ connectionString: url.href, pool: { connectionTimeoutMillis: 1000 } })).rejects.toBeInstanceOf(StorageUnavailableError)
    })
  })
}
