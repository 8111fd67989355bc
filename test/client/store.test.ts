import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
})
