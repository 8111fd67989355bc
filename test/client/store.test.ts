import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { openSqliteClientStore } from '../../src/client/sqlite-store.js'
import type { ClientStore, SessionRecord, TransactionRecord } from '../../src/client/store.js'

/** One contract for every ClientStore, including concurrent consume. */

const dir = mkdtempSync(join(tmpdir(), 'tessera-client-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const transaction = (key: string, expiresAt = 2000): TransactionRecord => ({ key, provider: 'p', sealed: 'v1.x', created_at: 1000, expires_at: expiresAt })
const session = (key: string, expiresAt = 5000): SessionRecord => ({ key, provider: 'p', issuer: 'https://op.example', subject: 's', user: '{}', tokens: 'v1.t', created_at: 1000, updated_at: 1000, expires_at: expiresAt })

describe.each([
  { name: 'memory', open: async (): Promise<ClientStore> => createMemoryClientStore() },
  { name: 'sqlite in memory', open: () => openSqliteClientStore({ filename: ':memory:' }) },
  { name: 'sqlite file', open: () => openSqliteClientStore({ filename: join(dir, `nested/${Math.random()}.db`) }) },
])('ClientStore contract: $name', ({ open }) => {
  it('consumes a transaction exactly once, even concurrently', async () => {
    const store = await open()
    await store.transactions.save(transaction('t1'))
    const results = await Promise.all(Array.from({ length: 10 }, () => store.transactions.consume('t1')))
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(results.find(Boolean)).toEqual(transaction('t1'))
    expect(await store.transactions.consume('t1')).toBeUndefined()
    expect(await store.transactions.consume('never')).toBeUndefined()
    await store.close()
  })

  it('returns an expired transaction from consume (the caller tells expired from unknown) and purges it', async () => {
    const store = await open()
    await store.transactions.save(transaction('old', 1500))
    await store.transactions.save(transaction('purged', 1500))
    expect(await store.transactions.consume('old')).toMatchObject({ key: 'old', expires_at: 1500 })
    await store.purgeExpired(1600)
    expect(await store.transactions.consume('purged')).toBeUndefined()
    await store.close()
  })

  it('saves, reads, updates and deletes sessions; expired sessions are not returned', async () => {
    const store = await open()
    await store.sessions.save(session('s1'))
    expect(await store.sessions.get('s1', 2000)).toEqual(session('s1'))
    expect(await store.sessions.get('s1', 5000)).toBeUndefined()
    await store.sessions.updateTokens('s1', 'v1.new', 3000)
    expect(await store.sessions.get('s1', 3000)).toMatchObject({ tokens: 'v1.new', updated_at: 3000, created_at: 1000 })
    await store.sessions.touch('s1', 3500)
    expect(await store.sessions.get('s1', 3500)).toMatchObject({ tokens: 'v1.new', updated_at: 3500, created_at: 1000 })
    await store.sessions.delete('s1')
    expect(await store.sessions.get('s1', 2000)).toBeUndefined()
    await store.sessions.save(session('s2', 1500))
    await store.purgeExpired(1600)
    expect(await store.sessions.get('s2', 0)).toBeUndefined()
    await store.close()
  })
})

describe('openSqliteClientStore', () => {
  it('creates its tables once and keeps data across reopen', async () => {
    const filename = join(dir, 'reopen.db')
    const first = await openSqliteClientStore({ filename })
    await first.sessions.save(session('kept'))
    await first.close()
    const second = await openSqliteClientStore({ filename })
    expect(await second.sessions.get('kept', 2000)).toMatchObject({ key: 'kept' })
    await second.close()
  })
})
