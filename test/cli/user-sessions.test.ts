import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/server/admin.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import { TESSERA_BIN } from '../helpers/cli.js'

const run = promisify(execFile)
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789' }
let dir: string
let db: string

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
  dir = mkdtempSync(join(tmpdir(), 'tessera-sessions-'))
  db = join(dir, 'tessera.db')
  const store = await openSqliteStore({ filename: db })
  const now = Math.floor(Date.now() / 1000)
  const alice = await createUser(store, { username: 'alice', password: 'alice-password' }, now)
  for (const [index, sid] of ['sid-one', 'sid-two', 'sid-three'].entries()) {
    await store.sessions.create({ id_hash: `hash-${index}`, sid, user_id: alice.id, auth_time: now - index, created_at: now - index, expires_at: now + 3600 })
  }
  await store.close()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('tessera-oidc user sessions', () => {
  it('lists a user\'s sessions, signs out one, then all, and audits each', async () => {
    const listed = await tessera('user', 'sessions', '--username', 'alice', '--json')
    expect(listed.code, listed.stderr).toBe(0)
    expect((JSON.parse(listed.stdout) as { sid: string }[]).map((session) => session.sid).sort()).toEqual(['sid-one', 'sid-three', 'sid-two'])

    const one = await tessera('user', 'sessions', 'revoke', '--username', 'alice', '--session', 'sid-two', '--json')
    expect(JSON.parse(one.stdout)).toEqual({ revoked: ['sid-two'] })
    const unknown = await tessera('user', 'sessions', 'revoke', '--username', 'alice', '--session', 'sid-two')
    expect(unknown.code).toBe(2)
    expect((await tessera('user', 'sessions', 'revoke', '--username', 'alice')).code).toBe(2)

    const all = await tessera('user', 'sessions', 'revoke', '--username', 'alice', '--all', '--json')
    expect((JSON.parse(all.stdout) as { revoked: string[] }).revoked.sort()).toEqual(['sid-one', 'sid-three'])
    expect(JSON.parse((await tessera('user', 'sessions', '--username', 'alice', '--json')).stdout)).toEqual([])
    const audit = await tessera('audit', '--type', 'account.session_revoked', '--json')
    expect(audit.stdout.match(/account\.session_revoked/g)).toHaveLength(3)
  })
})
