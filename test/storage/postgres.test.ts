import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migratePostgres, openPostgresStore } from '../../src/storage/postgres.js'
import { StorageUnavailableError, type Store } from '../../src/storage/types.js'
import { storeContract } from './contract.js'
import { CLIENT_ID, NOW, client, code, refreshToken, seed, signingKey } from './fixtures.js'
import { createTestDatabase, eventually, serviceUrl, startTcpProxy, emptyAllTables, withPort } from './services.js'

const adminUrl = serviceUrl('DATABASE_URL')

if (adminUrl) {
  // One database for this file, emptied before every contract test; each other test opens its own.
  let database: { url: string; drop: () => Promise<void> }
  const extra: Array<{ drop: () => Promise<void> }> = []
  beforeAll(async () => {
    database = await createTestDatabase(adminUrl)
  })
  afterAll(async () => {
    await Promise.all([database, ...extra].map((db) => db.drop()))
  })
  const freshDatabase = async () => {
    const db = await createTestDatabase(adminUrl)
    extra.push(db)
    return db.url
  }

  storeContract('postgres store', async () => {
    const store = await openPostgresStore({ connectionString: database.url })
    await emptyAllTables(database.url)
    return store
  })

  describe('postgres store across instances', () => {
    it('keeps data across close and reopen, and a replay after a restart is still a replay', async () => {
      const url = await freshDatabase()
      const first = await openPostgresStore({ connectionString: url })
      await seed(first)
      await first.codes.save(code())
      await first.codes.consume('code-hash-1', NOW)
      await first.keys.add(signingKey())
      const version = await first.keys.version()
      await first.close()

      const reopened = await openPostgresStore({ connectionString: url })
      expect(await reopened.clients.get(CLIENT_ID)).toEqual(client())
      expect((await reopened.codes.consume('code-hash-1', NOW + 1)).status).toBe('replayed')
      expect(await reopened.keys.version()).toBe(version)
      await reopened.close()
    })

    it('migrates a fresh database once when several instances start at the same time', async () => {
      const url = await freshDatabase()
      const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ connectionString: url })))
      await seed(stores[0] as Store)
      for (const store of stores) expect(await store.clients.get(CLIENT_ID)).toEqual(client())
      await Promise.all(stores.map((store) => store.close()))
      await migratePostgres(url)
    })

    it('`migratePostgres` creates the schema and leaves a current one as it is', async () => {
      const url = await freshDatabase()
      await migratePostgres(url)
      await migratePostgres(url)
      const sql = new pg.Client({ connectionString: url })
      await sql.connect()
      const { rows } = await sql.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name')
      await sql.end()
      expect(rows.map((row) => row.name)).toEqual(['0001_initial', '0002_notes', '0003_audit', '0004_access_tokens', '0005_records', '0006_client_registration', '0007_client_status', '0008_client_references', '0009_client_keys', '0010_request_objects', '0011_user_status', '0012_token_indexes'])
    })

    it('shows a key rotation made by another instance', async () => {
      const url = await freshDatabase()
      const [server, cli] = await Promise.all([openPostgresStore({ connectionString: url }), openPostgresStore({ connectionString: url })])
      const before = await server.keys.version()
      await cli.keys.add(signingKey())
      expect(await server.keys.version()).not.toBe(before)
      expect((await server.keys.list(NOW)).map((k) => k.kid)).toEqual(['kid-1'])
      await Promise.all([server.close(), cli.close()])
    })

    it('lets exactly one consumer of a code and one rotation of a refresh token win across two instances', async () => {
      const url = await freshDatabase()
      const [a, b] = await Promise.all([openPostgresStore({ connectionString: url }), openPostgresStore({ connectionString: url })])
      await seed(a)
      await a.codes.save(code())
      await a.refreshTokens.save(refreshToken())
      const consumed = await Promise.all(Array.from({ length: 50 }, (_, n) => (n % 2 ? a : b).codes.consume('code-hash-1', NOW)))
      expect(consumed.filter((r) => r.status === 'consumed')).toHaveLength(1)
      const rotated = await Promise.all(
        Array.from({ length: 20 }, (_, n) => (n % 2 ? a : b).refreshTokens.rotate('refresh-hash-1', refreshToken({ token_hash: `next-${n}` }), NOW + 1)),
      )
      expect(rotated.filter((r) => r.status === 'rotated')).toHaveLength(1)
      expect(rotated.filter((r) => r.status === 'reused')).toHaveLength(19)
      await Promise.all([a.close(), b.close()])
    })
  })

  describe('postgres store when the server is unreachable', () => {
    it('rejects opening with StorageUnavailableError', async () => {
      const proxy = await startTcpProxy(adminUrl)
      await proxy.close()
      const opening = openPostgresStore({ connectionString: withPort(database.url, proxy.port) })
      await expect(opening).rejects.toBeInstanceOf(StorageUnavailableError)
      await expect(migratePostgres(withPort(database.url, proxy.port))).rejects.toBeInstanceOf(StorageUnavailableError)
    })

    it('fails calls with StorageUnavailableError during an outage and recovers by itself', async () => {
      const url = await freshDatabase()
      const proxy = await startTcpProxy(url)
      const store = await openPostgresStore({ connectionString: withPort(url, proxy.port) })
      try {
        await seed(store)
        await proxy.interrupt()
        // Pooled connections were cut and new ones are refused: reads, writes and transactions all fail
        // the same typed way, never with a driver error.
        await expect(store.clients.get(CLIENT_ID)).rejects.toBeInstanceOf(StorageUnavailableError)
        await expect(store.codes.save(code())).rejects.toBeInstanceOf(StorageUnavailableError)
        await expect(store.users.delete('user-1')).rejects.toBeInstanceOf(StorageUnavailableError)
        const error: unknown = await store.clients.list().catch((e: unknown) => e)
        expect(error).toMatchObject({ name: 'StorageUnavailableError', backend: 'postgres' })

        await proxy.resume()
        expect(await eventually(() => store.clients.get(CLIENT_ID))).toEqual(client())
        await store.codes.save(code())
        expect((await store.codes.consume('code-hash-1', NOW)).status).toBe('consumed')
      } finally {
        await store.close()
        await proxy.close()
      }
    })

    it('passes other database errors through unchanged', async () => {
      const store = await openPostgresStore({ connectionString: database.url })
      await emptyAllTables(database.url)
      // A refresh token for a client that does not exist breaks a foreign key: a bug, not an outage.
      // (Codes are keyed records since migration 0005, with no foreign key to break.)
      const error: unknown = await store.refreshTokens.save(refreshToken()).catch((e: unknown) => e)
      expect(error).not.toBeInstanceOf(StorageUnavailableError)
      expect(error).toMatchObject({ code: '23503' })
      await store.close()
    })
  })
}
