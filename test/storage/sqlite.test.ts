import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqliteStore, openSqliteStore } from '../../src/storage/sqlite.js'
import { storeContract } from './contract.js'
import { CLIENT_ID, NOW, client, code, seed, signingKey } from './fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
// A folder that does not exist yet: opening must create it.
const freshFile = () => join(dir, 'nested', `store-${++files}.db`)

storeContract('sqlite store (:memory:)', () => openSqliteStore({ filename: ':memory:' }))
storeContract('sqlite store (file)', () => openSqliteStore({ filename: freshFile() }))
storeContract('sqlite store (createSqliteStore, migrating in the background)', () => Promise.resolve(createSqliteStore({ filename: ':memory:' })))

describe('sqlite store on disk', () => {
  it('keeps data across close and reopen of an already migrated database', async () => {
    const filename = freshFile()
    const first = await openSqliteStore({ filename })
    await seed(first)
    await first.codes.save(code())
    await first.codes.consume('code-hash-1', NOW)
    await first.keys.add(signingKey())
    const version = await first.keys.version()
    await first.close()

    const reopened = await openSqliteStore({ filename })
    expect(await reopened.clients.get(CLIENT_ID)).toEqual(client())
    // A replay after a restart is still a replay (RFC 6749 §4.1.2).
    expect((await reopened.codes.consume('code-hash-1', NOW + 1)).status).toBe('replayed')
    expect(await reopened.keys.version()).toBe(version)
    await reopened.close()
  })

  it('shows a key rotation made by another connection (the CLI next to the server)', async () => {
    const filename = freshFile()
    const server = await openSqliteStore({ filename })
    const cli = await openSqliteStore({ filename })
    const before = await server.keys.version()
    await cli.keys.add(signingKey())
    expect(await server.keys.version()).not.toBe(before)
    expect((await server.keys.list(NOW)).map((k) => k.kid)).toEqual(['kid-1'])
    await Promise.all([server.close(), cli.close()])
  })

  it('lets exactly one of two connections consume a code', async () => {
    const filename = freshFile()
    const a = await openSqliteStore({ filename })
    const b = await openSqliteStore({ filename })
    await seed(a)
    await a.codes.save(code())
    const results = await Promise.all([a, b, a, b].map((store) => store.codes.consume('code-hash-1', NOW)))
    expect(results.filter((r) => r.status === 'consumed')).toHaveLength(1)
    await Promise.all([a.close(), b.close()])
  })
})
