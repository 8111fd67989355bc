import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { trackChanges } from '../../../src/storage/sql/change-version.js'
import { readCache } from '../../../src/storage/sql/read-cache.js'
import { migrateToLatest } from '../../../src/storage/sql/migrations.js'
import type { Database } from '../../../src/storage/sql/schema.js'
import { createSqlStore } from '../../../src/storage/sql/sql-store.js'
import { openSqliteStore } from '../../../src/storage/sqlite.js'
import type { RecordKind } from '../../../src/storage/types.js'
import { CLIENT_ID, NOW, USER_ID, client, code, refreshToken, seed, user } from '../fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-change-version-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const freshFile = () => join(dir, `store-${++files}.db`)
const NOTE: RecordKind<{ text: string }> = { name: 'test-note' }

describe('trackChanges', () => {
  it('changes a table\'s version on a write to it through this connection or a commit by another, not on reads or audit inserts', () => {
    const filename = freshFile()
    const sqlite = new BetterSqlite3(filename)
    sqlite.pragma('journal_mode = WAL')
    const { database, version } = trackChanges(sqlite, sqlite)
    database.prepare('create table "t" (v integer)').run([])
    database.prepare('create table "u" (v integer)').run([])
    const created = { t: version('t'), u: version('u') }
    database.prepare('select v from t').all([])
    expect(version('t')).toBe(created.t)
    database.prepare('insert into "t" (v) values (?)').run([1])
    const inserted = version('t')
    expect(inserted).not.toBe(created.t)
    // Another table's write leaves this one's cached reads alone; an update counts like an insert.
    expect(version('u')).toBe(created.u)
    database.prepare('update "u" set v = ?').run([2])
    expect(version('u')).not.toBe(created.u)
    expect(version('t')).toBe(inserted)
    // The audit trail's insert, exactly as Kysely compiles it, is not a change a cached read depends on.
    const audit = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
      .insertInto('audit_events')
      .values({ id: 'a', type: 't', time: 1, subject: null, client_id: null, details: '{}', expires_at: 2 })
      .compile().sql
    database.prepare('create table "audit_events" (id, type, time, subject, client_id, details, expires_at)').run([])
    const withAudit = version('t')
    database.prepare(audit).run(['a', 't', 1, null, null, '{}', 2])
    expect(version('t')).toBe(withAudit)
    // A delete (the purge) or anything else not naming one table changes every table's version.
    const beforeDelete = { t: version('t'), u: version('u') }
    database.prepare('delete from "u"').run([])
    expect(version('t')).not.toBe(beforeDelete.t)
    expect(version('u')).not.toBe(beforeDelete.u)
    const beforeOther = version('t')
    const other = new BetterSqlite3(filename)
    other.prepare('insert into u (v) values (2)').run()
    expect(version('t')).not.toBe(beforeOther)
    other.close()
    sqlite.close()
  })

  it('keeps a cached read while other tables are written, and reads again once its table is', async () => {
    const sqlite = new BetterSqlite3(freshFile())
    const { database, version } = trackChanges(sqlite, sqlite)
    database.prepare('create table "clients" (v integer)').run([])
    database.prepare('create table "refresh_tokens" (v integer)').run([])
    const cached = readCache<number>(version, 'clients')
    let reads = 0
    const read = () => Promise.resolve(++reads)
    expect(await cached('c', read)).toBe(1)
    // What a code exchange writes: none of it is the client.
    database.prepare('insert into "refresh_tokens" (v) values (?)').run([1])
    database.prepare('update "refresh_tokens" set v = ?').run([2])
    expect(await cached('c', read)).toBe(1)
    database.prepare('update "clients" set v = ?').run([3])
    expect(await cached('c', read)).toBe(2)
    sqlite.close()
  })
})

describe('the SQLite store reads the client and lists by subject from memory while nothing changed', () => {
  it('sees its own writes at once', async () => {
    const store = await openSqliteStore({ filename: freshFile() })
    await store.clients.create(client())
    expect((await store.clients.get(CLIENT_ID))?.client_name).toBe('Client A')
    await store.clients.update({ ...client(), client_name: 'Renamed' })
    expect((await store.clients.get(CLIENT_ID))?.client_name).toBe('Renamed')
    expect(await store.records.listBySubject(NOTE, 'alice')).toEqual([])
    await store.records.put(NOTE, { key: 'n1', value: { text: 'one' }, expiresAt: NOW + 3600, subject: 'alice' })
    expect((await store.records.listBySubject(NOTE, 'alice')).map((record) => record.value)).toEqual([{ text: 'one' }])
    await store.clients.delete(CLIENT_ID)
    expect(await store.clients.get(CLIENT_ID)).toBeUndefined()
    await store.users.create(user())
    expect((await store.users.get(USER_ID))?.name).toBe(user().name)
    await store.users.update({ ...user(), name: 'Renamed' })
    expect((await store.users.get(USER_ID))?.name).toBe('Renamed')
    await store.users.delete(USER_ID)
    expect(await store.users.get(USER_ID)).toBeUndefined()
    await store.close()
  })

  it('sees another connection’s commits (the CLI next to a running server) on the next read', async () => {
    const filename = freshFile()
    const server = await openSqliteStore({ filename })
    const cli = await openSqliteStore({ filename })
    expect(await server.clients.get(CLIENT_ID)).toBeUndefined()
    await cli.clients.create(client())
    expect((await server.clients.get(CLIENT_ID))?.client_name).toBe('Client A')
    await cli.clients.update({ ...client(), client_name: 'Renamed by the CLI' })
    expect((await server.clients.get(CLIENT_ID))?.client_name).toBe('Renamed by the CLI')
    expect(await server.records.listBySubject(NOTE, 'alice')).toEqual([])
    await cli.records.put(NOTE, { key: 'n1', value: { text: 'one' }, expiresAt: NOW + 3600, subject: 'alice' })
    expect(await server.records.listBySubject(NOTE, 'alice')).toHaveLength(1)
    await cli.clients.delete(CLIENT_ID)
    expect(await server.clients.get(CLIENT_ID)).toBeUndefined()
    await cli.users.create(user())
    expect((await server.users.get(USER_ID))?.name).toBe(user().name)
    await cli.users.update({ ...user(), name: 'Renamed by the CLI' })
    expect((await server.users.get(USER_ID))?.name).toBe('Renamed by the CLI')
    await cli.close()
    await server.close()
  })

  it('sees a revocation at once, by this connection or another, and compares expiry with each call’s now', async () => {
    const filename = freshFile()
    const server = await openSqliteStore({ filename })
    const other = await openSqliteStore({ filename })
    expect(await server.revokedTokens.has('jti-1', NOW)).toBe(false)
    expect(await server.grants.isRevoked('grant-1', NOW)).toBe(false)
    await server.revokedTokens.add('jti-1', NOW + 10)
    await other.grants.revoke('grant-1', NOW + 10)
    expect(await server.revokedTokens.has('jti-1', NOW)).toBe(true)
    expect(await server.grants.isRevoked('grant-1', NOW)).toBe(true)
    // The same cached rows, asked after the revocations lapsed.
    expect(await server.revokedTokens.has('jti-1', NOW + 10)).toBe(false)
    expect(await server.grants.isRevoked('grant-1', NOW + 10)).toBe(false)
    await other.revokedTokens.add('jti-2', NOW + 10)
    expect(await server.revokedTokens.has('jti-2', NOW)).toBe(true)
    await other.close()
    await server.close()
  })

  it('hands every caller its own copy', async () => {
    const store = await openSqliteStore({ filename: freshFile() })
    await store.clients.create(client())
    const first = await store.clients.get(CLIENT_ID)
    first?.redirect_uris.push('https://attacker.example/cb')
    expect((await store.clients.get(CLIENT_ID))?.redirect_uris).toEqual(client().redirect_uris)
    await store.close()
  })
})

describe('the SQLite store caches lists of records per kind', () => {
  it('keeps a kind’s list while records of another kind are written (a consumed code), not once its own are, ', async () => {
    const sqlite = new BetterSqlite3(freshFile())
    let listReads = 0
    const counting: SqliteDatabase = {
      close: () => sqlite.close(),
      prepare(statement) {
        if (/^select .* from "records" where "kind" = \? and "subject" = \?/i.test(statement)) listReads++
        return sqlite.prepare(statement)
      },
    }
    const { database, version } = trackChanges(counting, sqlite)
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) })
    await migrateToLatest(db)
    const store = createSqlStore(db, 'sqlite', { changeVersion: version })
    await seed(store)
    const list = async () => (await store.records.listBySubject(NOTE, 'alice')).map((record) => record.value.text)

    await store.records.put(NOTE, { key: 'n1', value: { text: 'one' }, expiresAt: NOW + 3600, subject: 'alice' })
    expect(await list()).toEqual(['one'])
    expect(await list()).toEqual(['one'])
    expect(listReads).toBe(1)
    // What a code exchange writes: the code consumed and a refresh token.
    await store.codes.save(code())
    await store.codes.consume('code-hash-1', NOW)
    await store.refreshTokens.save(refreshToken())
    expect(await list()).toEqual(['one'])
    expect(listReads).toBe(1)
    // A write of the listed kind is seen at once.
    await store.records.put(NOTE, { key: 'n2', value: { text: 'two' }, expiresAt: NOW + 3600, subject: 'alice' })
    expect((await list()).toSorted()).toEqual(['one', 'two'])
    expect(listReads).toBe(2)
    await store.records.consume(NOTE, 'n1', NOW)
    expect(await list()).toHaveLength(2)
    expect(listReads).toBe(3)
    await store.close()
  })
})
