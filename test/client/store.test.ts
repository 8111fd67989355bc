import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { openSqliteClientStore } from '../../src/client/sqlite-store.js'
import { NOW, clientStoreContract, session } from './store-contract.js'

/** The RelyingPartyStore contract on the stores that need no server; PostgreSQL and Redis run it in their own files. */

const dir = mkdtempSync(join(tmpdir(), 'tessera-client-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

clientStoreContract('memory', async () => createMemoryClientStore())
clientStoreContract('sqlite in memory', () => openSqliteClientStore({ filename: ':memory:' }))
clientStoreContract('sqlite file', () => openSqliteClientStore({ filename: join(dir, `nested/${Math.random()}.db`) }))

describe('openSqliteClientStore', () => {
  it('creates its tables once and keeps data across reopen', async () => {
    const filename = join(dir, 'reopen.db')
    const first = await openSqliteClientStore({ filename })
    await first.sessions.save(session('kept'))
    await first.close()
    const second = await openSqliteClientStore({ filename })
    expect(await second.sessions.get('kept', NOW)).toEqual(session('kept'))
    await second.close()
  })

  it('adds tokens_version (0) to a sessions table created by an earlier version, whose sessions then refresh as any other', async () => {
    const filename = join(dir, 'before-leases.db')
    const old = new BetterSqlite3(filename)
    old.exec(`CREATE TABLE rp_sessions (key text PRIMARY KEY, provider text NOT NULL, issuer text NOT NULL, subject text NOT NULL, "user" text NOT NULL,
      tokens text NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL, expires_at bigint NOT NULL)`)
    const { key, provider, issuer, subject, user, tokens, created_at, updated_at, expires_at } = session('old')
    old.prepare('INSERT INTO rp_sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(key, provider, issuer, subject, user, tokens, created_at, updated_at, expires_at)
    old.close()
    const store = await openSqliteClientStore({ filename })
    expect(await store.sessions.get('old', NOW)).toEqual(session('old'))
    expect(await store.sessions.replaceTokens('old', 'v1.refreshed', 0, NOW + 1)).toBe(true)
    expect(await store.sessions.get('old', NOW)).toMatchObject({ tokens: 'v1.refreshed', tokens_version: 1 })
    await store.close()
  })
})
