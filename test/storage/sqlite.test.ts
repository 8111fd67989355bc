import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { migrateTo } from '../../src/storage/sql/migrations.js'
import { createSqliteStore, openSqliteStore } from '../../src/storage/sqlite.js'
import { storeContract } from './contract.js'
import { CLIENT_ID, NOW, USER_ID, accessToken, client, code, refreshToken, seed, session, signingKey, user } from './fixtures.js'

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

describe('sqlite store upgrade to one records table (migration 0005)', () => {
  it('keeps the login sessions of a database migrated by the previous release, and drops the old tables', async () => {
    const filename = join(dir, 'release-with-0004.db')
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(filename) }) })
    await migrateTo(old, '0004_access_tokens')
    const { id, username, created_at, updated_at } = user()
    await sql`INSERT INTO users (id, username, password_hash, email_verified, created_at, updated_at) VALUES (${id}, ${username}, 'x', 0, ${created_at}, ${updated_at})`.execute(old)
    for (const s of [session(), session({ id_hash: 'session-hash-2', sid: 'sid-2', expires_at: NOW + 7200 })]) {
      await sql`INSERT INTO login_sessions (id_hash, sid, user_id, auth_time, created_at, expires_at) VALUES (${s.id_hash}, ${s.sid}, ${s.user_id}, ${s.auth_time}, ${s.created_at}, ${s.expires_at})`.execute(old)
    }
    await old.destroy()

    const store = await openSqliteStore({ filename })
    expect(await store.sessions.get('session-hash-1', NOW)).toEqual(session())
    expect(await store.sessions.get('session-hash-2', NOW + 3600)).toEqual(session({ id_hash: 'session-hash-2', sid: 'sid-2', expires_at: NOW + 7200 }))
    // Still the user's: a password change or deletion ends them.
    await store.sessions.deleteByUser(USER_ID)
    expect(await store.sessions.get('session-hash-1', NOW)).toBeUndefined()
    await store.close()

    const sqlite = new BetterSqlite3(filename, { readonly: true })
    const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>
    sqlite.close()
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['records', 'notes']))
    expect(tables.map((t) => t.name).filter((name) => ['authorization_codes', 'interactions', 'login_sessions'].includes(name))).toEqual([])
  })
})

describe('sqlite store upgrade to client registration metadata (migration 0006)', () => {
  it('keeps the clients of the previous release as operator-registered web clients that never expire', async () => {
    const filename = join(dir, 'release-with-0005.db')
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(filename) }) })
    await migrateTo(old, '0005_records')
    const c = client()
    await sql`INSERT INTO clients (client_id, client_secret_hash, client_name, redirect_uris, post_logout_redirect_uris, grant_types, scopes, token_endpoint_auth_method, id_token_signed_response_alg, skip_consent, created_at)
      VALUES (${c.client_id}, ${c.client_secret_hash}, ${c.client_name}, ${JSON.stringify(c.redirect_uris)}, ${JSON.stringify(c.post_logout_redirect_uris)}, ${JSON.stringify(c.grant_types)}, ${JSON.stringify(c.scopes)}, ${c.token_endpoint_auth_method}, ${c.id_token_signed_response_alg}, 0, ${c.created_at})`.execute(old)
    await old.destroy()

    const store = await openSqliteStore({ filename })
    expect(await store.clients.get(CLIENT_ID)).toEqual(client())
    await store.close()
  })
})

describe('sqlite store upgrade to tokens and consents without client references (migration 0008)', () => {
  it('keeps the tokens and consents of the previous release, and then accepts those of unstored clients', async () => {
    const filename = join(dir, 'release-with-0006.db')
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(filename) }) })
    await migrateTo(old, '0006_client_registration')
    const { id, username, created_at, updated_at } = user()
    await sql`INSERT INTO users (id, username, password_hash, email_verified, created_at, updated_at) VALUES (${id}, ${username}, 'x', 0, ${created_at}, ${updated_at})`.execute(old)
    const c = client()
    await sql`INSERT INTO clients (client_id, client_secret_hash, client_name, redirect_uris, post_logout_redirect_uris, grant_types, scopes, token_endpoint_auth_method, id_token_signed_response_alg, skip_consent, created_at)
      VALUES (${c.client_id}, ${c.client_secret_hash}, ${c.client_name}, ${JSON.stringify(c.redirect_uris)}, ${JSON.stringify(c.post_logout_redirect_uris)}, ${JSON.stringify(c.grant_types)}, ${JSON.stringify(c.scopes)}, ${c.token_endpoint_auth_method}, ${c.id_token_signed_response_alg}, 0, ${c.created_at})`.execute(old)
    await sql`INSERT INTO consents (user_id, client_id, scopes, created_at, updated_at) VALUES (${USER_ID}, ${CLIENT_ID}, '["openid"]', ${NOW}, ${NOW})`.execute(old)
    const r = refreshToken()
    await sql`INSERT INTO refresh_tokens (token_hash, grant_id, client_id, user_id, scopes, resource, auth_time, session_id, created_at, expires_at, consumed_at)
      VALUES (${r.token_hash}, ${r.grant_id}, ${r.client_id}, ${r.user_id}, ${JSON.stringify(r.scopes)}, ${r.resources.length > 0 ? r.resources.join(' ') : null}, ${r.auth_time}, ${r.session_id}, ${r.created_at}, ${r.expires_at}, ${r.consumed_at})`.execute(old)
    const a = accessToken()
    await sql`INSERT INTO access_tokens (token_hash, jti, grant_id, client_id, subject, user_id, scopes, audience, auth_time, created_at, expires_at)
      VALUES (${a.token_hash}, ${a.jti}, ${a.grant_id}, ${a.client_id}, ${a.subject}, ${a.user_id}, ${JSON.stringify(a.scopes)}, ${JSON.stringify(a.audience)}, ${a.auth_time}, ${a.created_at}, ${a.expires_at})`.execute(old)
    await old.destroy()

    const store = await openSqliteStore({ filename })
    expect((await store.consents.get(USER_ID, CLIENT_ID))?.scopes).toEqual(['openid'])
    expect(await store.refreshTokens.find('refresh-hash-1', NOW)).toEqual(refreshToken())
    expect(await store.accessTokens.find('access-hash-1', NOW)).toEqual(accessToken())
    // A client known by its metadata document is never stored, yet holds a consent and tokens.
    const url = 'https://app.example/client.json'
    await store.consents.grant(USER_ID, url, ['openid'], NOW)
    await store.refreshTokens.save(refreshToken({ token_hash: 'refresh-hash-2', client_id: url }))
    // The user references stay: a token of a user that does not exist is refused.
    await expect(store.refreshTokens.save(refreshToken({ token_hash: 'refresh-hash-3', user_id: 'nobody' }))).rejects.toThrow()
    // Deleting the stored client still takes its rows along.
    await store.clients.delete(CLIENT_ID)
    expect(await store.consents.get(USER_ID, CLIENT_ID)).toBeUndefined()
    expect(await store.refreshTokens.find('refresh-hash-1', NOW)).toBeUndefined()
    expect((await store.consents.get(USER_ID, url))?.scopes).toEqual(['openid'])
    await store.close()

    const sqlite = new BetterSqlite3(filename, { readonly: true })
    const indexes = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('refresh_tokens', 'access_tokens', 'consents') AND name LIKE '%_idx'").all() as Array<{ name: string }>
    sqlite.close()
    // Migration 0012 then drops the tokens' `client_id` indexes (client deletion scans, token writes are cheaper).
    expect(indexes.map((index) => index.name).toSorted()).toEqual([
      'access_tokens_expires_at_idx', 'access_tokens_grant_id_idx', 'access_tokens_user_id_idx', 'consents_client_id_idx',
      'refresh_tokens_expires_at_idx', 'refresh_tokens_grant_id_idx', 'refresh_tokens_user_id_client_id_idx',
    ])
  })
})

describe('sqlite store: the resource column of refresh tokens', () => {
  it('reads a row written with one resource, as earlier versions did, as a list of one; several are space-joined', async () => {
    const filename = freshFile()
    const store = await openSqliteStore({ filename })
    await store.clients.create(client())
    await store.users.create(user())
    await store.refreshTokens.save(refreshToken({ token_hash: 'both', resources: ['https://api.example', 'https://reports.example/v1'] }))
    await store.close()
    const raw = new BetterSqlite3(filename)
    const t = refreshToken()
    raw.prepare('INSERT INTO refresh_tokens (token_hash, grant_id, client_id, user_id, scopes, resource, auth_time, session_id, created_at, expires_at, consumed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run('old-one', 'grant-old-1', t.client_id, t.user_id, JSON.stringify(t.scopes), 'https://api.example', t.auth_time, t.session_id, t.created_at, t.expires_at, null)
    raw.prepare('INSERT INTO refresh_tokens (token_hash, grant_id, client_id, user_id, scopes, resource, auth_time, session_id, created_at, expires_at, consumed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run('old-none', 'grant-old-2', t.client_id, t.user_id, JSON.stringify(t.scopes), null, t.auth_time, t.session_id, t.created_at, t.expires_at, null)
    const stored = raw.prepare('SELECT resource FROM refresh_tokens WHERE token_hash = ?').get('both') as { resource: string }
    raw.close()
    expect(stored.resource).toBe('https://api.example https://reports.example/v1')

    const reopened = await openSqliteStore({ filename })
    expect((await reopened.refreshTokens.find('old-one', NOW))?.resources).toEqual(['https://api.example'])
    expect((await reopened.refreshTokens.find('old-none', NOW))?.resources).toEqual([])
    expect((await reopened.refreshTokens.find('both', NOW))?.resources).toEqual(['https://api.example', 'https://reports.example/v1'])
    await reopened.close()
  })
})

describe('sqlite store upgrade to the users\' disabled switch (migration 0011)', () => {
  it('keeps the users of the previous release, enabled, and then stores the switch', async () => {
    const filename = join(dir, 'release-with-0010.db')
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(filename) }) })
    await migrateTo(old, '0010_request_objects')
    const { id, username, created_at, updated_at } = user()
    await sql`INSERT INTO users (id, username, password_hash, email_verified, created_at, updated_at) VALUES (${id}, ${username}, 'x', 0, ${created_at}, ${updated_at})`.execute(old)
    await old.destroy()

    const store = await openSqliteStore({ filename })
    const upgraded = await store.users.get(USER_ID)
    expect(upgraded?.disabled).toBe(false)
    if (!upgraded) throw new Error('the user of the previous release is gone')
    await store.users.update({ ...upgraded, disabled: true })
    await store.close()
    const reopened = await openSqliteStore({ filename })
    expect((await reopened.users.get(USER_ID))?.disabled).toBe(true)
    await reopened.close()
  })
})
