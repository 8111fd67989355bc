import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe, type ServeProcess } from '../helpers/cli.js'

// Black-box: the built `tessera` command.
let dir: string
let db: string
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789' }

function tessera(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args, '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

function serve(): Promise<ServeProcess> {
  return startServe(db, [], { ...env, TESSERA_LOG_LEVEL: 'warn' })
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'))
  db = join(dir, 'tessera.db')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('tessera CLI', () => {
  it('creates, lists and deletes clients; secrets are URL-safe and shown once', () => {
    const created = tessera('client', 'create', '--name', 'Notes app', '--redirect-uri', 'http://localhost:3000/cb', '--grant', 'authorization_code', '--grant', 'refresh_token', '--scope', 'openid profile', '--json')
    expect(created.status, created.stderr).toBe(0)
    const client = JSON.parse(created.stdout) as { client_id: string; client_secret: string }
    expect(client.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const listed = tessera('client', 'list', '--json')
    expect(listed.stdout).toContain(client.client_id)
    expect(listed.stdout).not.toContain(client.client_secret)
    expect(tessera('client', 'delete', `--id=${client.client_id}`).status).toBe(0)
    expect(tessera('client', 'list', '--json').stdout).not.toContain(client.client_id)
  })

  it('refuses invalid input with a message and exit code 2, never a stack trace', () => {
    const bad = tessera('client', 'create', '--name', 'x', '--redirect-uri', 'javascript:alert(1)')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/redirect URI/)
    expect(bad.stderr).not.toMatch(/\bat \w+ \(/)
    expect(tessera('user', 'create', '--username', 'carol').status).toBe(2)
    expect(tessera('nonsense').status).toBe(2)
  })

  it('creates users with Argon2id hashes and lists them without hashes', () => {
    const created = tessera('user', 'create', '--username', 'carol', '--password', 'carol-password', '--name', 'Carol', '--json')
    expect(created.status, created.stderr).toBe(0)
    const listed = tessera('user', 'list', '--json')
    expect(listed.stdout).toContain('carol')
    expect(listed.stdout).not.toContain('argon2id')
    expect(tessera('user', 'create', '--username', 'carol', '--password', 'carol-password').status).toBe(2)
  })

  it('updates a client and rotates its secret: the running server honours both at once', async () => {
    const created = tessera('client', 'create', '--name', 'Reporting job', '--grant', 'client_credentials', '--scope', 'notes:read', '--json')
    expect(created.status, created.stderr).toBe(0)
    const { client_id: id, client_secret: oldSecret } = JSON.parse(created.stdout) as { client_id: string; client_secret: string }
    const server = await serve()
    const token = (secret: string, scope: string) => fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
    })
    try {
      expect((await token(oldSecret, 'notes:read')).status).toBe(200)
      expect(await (await token(oldSecret, 'notes:write')).json()).toMatchObject({ error: 'invalid_scope' })
      const updated = tessera('client', 'update', `--id=${id}`, '--scope', 'notes:read notes:write', '--name', 'Reporting job v2', '--json')
      expect(updated.status, updated.stderr).toBe(0)
      expect(JSON.parse(updated.stdout)).toMatchObject({ client_id: id, client_name: 'Reporting job v2', scopes: ['notes:read', 'notes:write'] })
      expect(updated.stdout).not.toContain('client_secret_hash')
      expect((await token(oldSecret, 'notes:write')).status).toBe(200)

      const rotated = tessera('client', 'rotate-secret', `--id=${id}`, '--json')
      expect(rotated.status, rotated.stderr).toBe(0)
      const { client_secret: newSecret } = JSON.parse(rotated.stdout) as { client_secret: string }
      expect(newSecret).toMatch(/^[A-Za-z0-9_-]{43}$/)
      const refused = await token(oldSecret, 'notes:read')
      expect(refused.status).toBe(401)
      expect(refused.headers.get('www-authenticate')).toMatch(/^Basic/)
      expect((await token(newSecret, 'notes:read')).status).toBe(200)

      // Disabled: the secret no longer gets tokens; enabled again, it does.
      const disabled = tessera('client', 'disable', `--id=${id}`, '--json')
      expect(disabled.status, disabled.stderr).toBe(0)
      expect(JSON.parse(disabled.stdout)).toEqual({ client_id: id, disabled: true })
      expect(tessera('client', 'list').stdout).toMatch(new RegExp(`^${id}\t.*\t\\(disabled\\)$`, 'm'))
      expect((await token(newSecret, 'notes:read')).status).toBe(401)
      expect(tessera('client', 'enable', `--id=${id}`).status).toBe(0)
      expect((await token(newSecret, 'notes:read')).status).toBe(200)
    } finally {
      await server.stop()
    }
    // The rules of create hold for update; the auth method cannot change; unknown ids are named.
    expect(tessera('client', 'update', `--id=${id}`, '--redirect-uri', 'javascript:alert(1)').status).toBe(2)
    expect(tessera('client', 'update', `--id=${id}`, '--auth-method', 'none').status).toBe(2)
    expect(tessera('client', 'rotate-secret', '--id', 'nobody').stderr).toMatch(/no client nobody/)
    expect(tessera('client', 'disable', '--id', 'nobody').stderr).toMatch(/no client nobody/)
    const types = (JSON.parse(tessera('audit', `--client=${id}`, '--type', 'client', '--json').stdout) as { type: string }[]).map((record) => record.type)
    expect(types).toEqual(['client.enabled', 'client.disabled', 'client.secret_rotated', 'client.updated', 'client.created'])
  }, 60_000) // nine CLI processes one after another: seconds each on a loaded machine

  it('updates a user\'s password and profile, never the username', () => {
    expect(tessera('user', 'create', '--username', 'dave', '--password', 'dave-password').status).toBe(0)
    const updated = tessera('user', 'update', '--username', 'dave', '--password', 'a-new-passphrase', '--name', 'Dave D', '--email', 'dave@example.com', '--json')
    expect(updated.status, updated.stderr).toBe(0)
    expect(JSON.parse(updated.stdout)).toMatchObject({ username: 'dave', name: 'Dave D', email: 'dave@example.com' })
    expect(updated.stdout).not.toContain('a-new-passphrase')
    expect(tessera('user', 'update', '--username', 'dave', '--password', 'short').status).toBe(2)
    expect(tessera('user', 'update', '--username', 'dave').status).toBe(2)
    const types = (JSON.parse(tessera('audit', '--user', 'dave', '--json').stdout) as { type: string }[]).map((record) => record.type)
    expect(types).toEqual(['user.updated', 'user.password_changed', 'user.created'])
  })

  it('disables and enables a user: the list marks them, both changes are audited', () => {
    expect(tessera('user', 'create', '--username', 'gina', '--password', 'gina-password').status).toBe(0)
    const disabled = tessera('user', 'update', '--username', 'gina', '--disable', '--json')
    expect(disabled.status, disabled.stderr).toBe(0)
    expect(JSON.parse(disabled.stdout)).toMatchObject({ username: 'gina', disabled: true })
    expect((JSON.parse(tessera('user', 'list', '--json').stdout) as { username: string; disabled: boolean }[]).find((user) => user.username === 'gina')?.disabled).toBe(true)
    expect(tessera('user', 'list').stdout).toMatch(/\tgina\t.*\tdisabled$/m)
    expect(tessera('user', 'update', '--username', 'gina', '--disable', '--enable').status).toBe(2)
    expect(tessera('user', 'update', '--username', 'gina', '--enable').status).toBe(0)
    const types = (JSON.parse(tessera('audit', '--user', 'gina', '--json').stdout) as { type: string }[]).map((record) => record.type)
    expect(types).toEqual(['user.enabled', 'user.disabled', 'user.created'])
  }, 60_000)

  it('serves, and a key rotation by the CLI reaches the running server without restart', async () => {
    const server = await serve()
    try {
      const metadata = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string }
      expect(metadata.issuer).toBe(server.url)
      const before = (await (await fetch(metadata.jwks_uri)).json()) as { keys: { kid: string }[] }
      const rotated = tessera('keys', 'rotate', '--json')
      expect(rotated.status, rotated.stderr).toBe(0)
      const newKids = (JSON.parse(rotated.stdout) as { kid: string }[]).map((key) => key.kid)
      let after = before
      for (let i = 0; i < 40 && !newKids.every((kid) => after.keys.some((key) => key.kid === kid)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 250))
        after = (await (await fetch(metadata.jwks_uri)).json()) as { keys: { kid: string }[] }
      }
      expect(after.keys.map((key) => key.kid)).toEqual(expect.arrayContaining([...newKids, ...before.keys.map((key) => key.kid)]))
      const listed = JSON.parse(tessera('keys', 'list', '--json').stdout) as { kid: string; active: boolean }[]
      expect(listed.filter((key) => key.active).map((key) => key.kid).sort()).toEqual([...newKids].sort())
    } finally {
      await server.stop()
    }
  })
})
