import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/server/admin.js'
import { QUEUE_SUBJECT, QUEUED_LOGOUT } from '../../src/server/backchannel-logout/queue.js'
import { clientBackchannelLogout, SESSION_CLIENT } from '../../src/server/backchannel-logout/records.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import { TESSERA_BIN } from '../helpers/cli.js'

/** `client create|update --backchannel-logout-uri` and `user sessions revoke` queueing logout tokens for a running server. */

const run = promisify(execFile)
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789' }
let dir: string
let db: string
let aliceId: string

async function tessera(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TESSERA_BIN, ...args, '--db', db], { env, timeout: 30_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-bcl-cli-'))
  db = join(dir, 'tessera.db')
  const store = await openSqliteStore({ filename: db })
  const now = Math.floor(Date.now() / 1000)
  aliceId = (await createUser(store, { username: 'alice', password: 'alice-password' }, now)).id
  await store.sessions.create({ id_hash: 'hash-1', sid: 'sid-1', user_id: aliceId, auth_time: now, created_at: now, expires_at: now + 3600 })
  await store.records.put(SESSION_CLIENT, { key: 'sid-1 notes', value: { sid: 'sid-1', client_id: 'notes' }, expiresAt: now + 3600, subject: aliceId, clientId: 'notes' })
  await store.close()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('tessera-oidc and back-channel logout', () => {
  it('BL-02 registers, changes and removes a client\'s backchannel_logout_uri, refusing special-use addresses and fragments', async () => {
    const created = await tessera('client', 'create', '--name', 'Notes', '--redirect-uri', 'https://notes.example/cb', '--backchannel-logout-uri', 'https://notes.example/bcl', '--backchannel-logout-session-required', '--json')
    expect(created.code, created.stderr).toBe(0)
    const id = (JSON.parse(created.stdout) as { client_id: string }).client_id
    for (const uri of ['http://169.254.169.254/x', 'https://notes.example/bcl#f', 'https://10.0.0.1/bcl']) {
      const refused = await tessera('client', 'update', '--id', id, '--backchannel-logout-uri', uri)
      expect(refused.code, uri).toBe(2)
      expect(refused.stderr).toContain('--backchannel-logout-uri')
    }
    const store = await openSqliteStore({ filename: db })
    try {
      expect(await clientBackchannelLogout(store.records, id, Math.floor(Date.now() / 1000))).toEqual({ backchannel_logout_uri: 'https://notes.example/bcl', backchannel_logout_session_required: true })
    } finally {
      await store.close()
    }
    expect((await tessera('client', 'update', '--id', id, '--no-backchannel-logout-session-required')).code).toBe(0)
    const reopened = await openSqliteStore({ filename: db })
    try {
      expect(await clientBackchannelLogout(reopened.records, id, Math.floor(Date.now() / 1000))).toEqual({ backchannel_logout_uri: 'https://notes.example/bcl', backchannel_logout_session_required: false })
    } finally {
      await reopened.close()
    }
    expect((await tessera('client', 'update', '--id', id, '--backchannel-logout-uri', '')).code).toBe(0)
    const removed = await openSqliteStore({ filename: db })
    try {
      expect(await clientBackchannelLogout(removed.records, id, Math.floor(Date.now() / 1000))).toBeUndefined()
    } finally {
      await removed.close()
    }
    // Six CLI runs: each starts Node and opens the store.
  }, 60_000)

  it('BL-01 user sessions revoke queues a logout token for each client the session served, for a running server to send', async () => {
    const revoked = await tessera('user', 'sessions', 'revoke', '--id', aliceId, '--session', 'sid-1')
    expect(revoked.code, revoked.stderr).toBe(0)
    const store = await openSqliteStore({ filename: db })
    try {
      const queued = await store.records.listBySubject(QUEUED_LOGOUT, QUEUE_SUBJECT)
      expect(queued.map((record) => record.value)).toEqual([{ client_id: 'notes', sid: 'sid-1', user_id: aliceId, reason: 'revoked' }])
      expect(await store.records.listBySubject(SESSION_CLIENT, aliceId)).toEqual([])
    } finally {
      await store.close()
    }
  })
})
