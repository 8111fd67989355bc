import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { TESSERA_BIN as BIN, startServe, type ServeProcess } from '../helpers/cli.js'

// Black-box: the built command gives a client admin scopes (`client create --scope`), and `serve --admin-api`
// answers that client's token under /admin/v1; without the flag there is no admin API.
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
let dir: string
let db: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-admin-'))
  db = join(dir, 'tessera.sqlite')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function tokenOf(url: string, id: string, secret: string): Promise<string> {
  const response = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  })
  const body = (await response.json()) as { access_token: string; scope: string }
  expect(body.scope).toBe('admin:read')
  return body.access_token
}

describe('tessera-oidc serve --admin-api', () => {
  it('serves /admin/v1 to a client created with --scope admin:read, and not without the flag', async () => {
    const created = JSON.parse(execFileSync(process.execPath, [BIN, 'client', 'create', '--db', db, '--name', 'ops', '--grant', 'client_credentials', '--scope', 'admin:read', '--json'], { env }).toString()) as { client_id: string; client_secret: string; scope: string }
    expect(created.scope).toBe('admin:read')
    let serve: ServeProcess = await startServe(db, ['--admin-api'], env, { demo: false })
    try {
      expect(serve.output()).toContain('/admin/v1')
      const token = await tokenOf(serve.url, created.client_id, created.client_secret)
      const clients = await fetch(`${serve.url}/admin/v1/clients`, { headers: { authorization: `Bearer ${token}` } })
      expect(clients.status).toBe(200)
      expect(((await clients.json()) as { items: Array<{ client_id: string }> }).items.map((client) => client.client_id)).toContain(created.client_id)
      const write = await fetch(`${serve.url}/admin/v1/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      expect(write.status).toBe(403)
    } finally {
      await serve.stop()
    }
    serve = await startServe(db, [], env, { demo: false })
    try {
      expect((await fetch(`${serve.url}/admin/v1/openapi.json`)).status).toBe(404)
    } finally {
      await serve.stop()
    }
  })
})

// User tokens with admin scopes come from the JWT-bearer grant (a trusted issuer asserting the user): the
// configuration file's adminApi.admins and --admin-user (which replaces it) name who may use them.
describe('tessera-oidc serve: adminApi.admins and --admin-user', () => {
  const IDP = 'https://idp.cli-admin.test'
  const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

  it('AC-07 takes the user tokens of the named users only, by username, from the file and from the flag', async () => {
    const key = await generateKeyPair('ES256')
    const jwk = { ...(await exportJWK(key.publicKey)), kid: 'idp', alg: 'ES256' }
    const adminDb = join(dir, 'admins.sqlite')
    const config = join(dir, 'tessera.config.json')
    writeFileSync(config, JSON.stringify({
      adminApi: { enabled: true, admins: ['alice'] },
      jwtBearer: { issuers: [{ issuer: IDP, jwks: { keys: [jwk] }, algorithms: ['ES256'], clients: 'any', subject: { match: 'username' } }] },
    }))
    for (const username of ['alice', 'bob']) {
      execFileSync(process.execPath, [BIN, 'user', 'create', '--db', adminDb, '--username', username, '--password-stdin'], { env, input: `${username}-password-long\n` })
    }
    const created = JSON.parse(execFileSync(process.execPath, [BIN, 'client', 'create', '--db', adminDb, '--name', 'console', '--grant', 'jwt-bearer', '--scope', 'admin:read', '--json'], { env }).toString()) as { client_id: string; client_secret: string }
    async function status(url: string, username: string): Promise<number> {
      const issuer = ((await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as { issuer: string }).issuer
      const now = Math.floor(Date.now() / 1000)
      const assertion = await new SignJWT({ iss: IDP, sub: username, aud: issuer, jti: randomUUID(), iat: now, exp: now + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'idp' }).sign(key.privateKey)
      const issued = await fetch(`${url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${created.client_id}:${created.client_secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: GRANT, assertion }).toString(),
      })
      const body = (await issued.json()) as { access_token: string; scope: string }
      expect(body.scope, JSON.stringify(body)).toBe('admin:read')
      return (await fetch(`${url}/admin/v1/clients`, { headers: { authorization: `Bearer ${body.access_token}` } })).status
    }
    let serve: ServeProcess = await startServe(adminDb, ['--config', config], env, { demo: false })
    try {
      expect(serve.output()).toContain('admin API users: alice')
      expect([await status(serve.url, 'alice'), await status(serve.url, 'bob')]).toEqual([200, 403])
    } finally {
      await serve.stop()
    }
    serve = await startServe(adminDb, ['--config', config, '--admin-user', 'bob'], env, { demo: false })
    try {
      expect([await status(serve.url, 'alice'), await status(serve.url, 'bob')]).toEqual([403, 200])
    } finally {
      await serve.stop()
    }
  })
})

// `--admin-api-listen`: the API on a listener of its own (a private interface), and nowhere else.
describe('tessera-oidc serve --admin-api-listen', () => {
  it('serves /admin/v1 only on its own listener: 404 on the public port; tokens of the public issuer work there; a stop closes both', async () => {
    const listenDb = join(dir, 'listen.sqlite')
    const created = JSON.parse(execFileSync(process.execPath, [BIN, 'client', 'create', '--db', listenDb, '--name', 'ops', '--grant', 'client_credentials', '--scope', 'admin:read admin:write', '--json'], { env }).toString()) as { client_id: string; client_secret: string }
    const serve = await startServe(listenDb, ['--admin-api-listen', '127.0.0.1:0'], env, { demo: false })
    try {
      await vi.waitFor(() => expect(serve.output()).toMatch(/admin API: http:\/\/\S+\/admin\/v1 /))
      const adminUrl = /admin API: (http:\/\/\S+\/admin\/v1) /.exec(serve.output())?.[1] ?? ''
      expect(new URL(adminUrl).port).not.toBe(new URL(serve.url).port)
      const issued = await fetch(`${serve.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${created.client_id}:${created.client_secret}`).toString('base64')}` },
        body: 'grant_type=client_credentials',
      })
      const { access_token: token } = (await issued.json()) as { access_token: string }
      const authorization = { authorization: `Bearer ${token}` }

      const listed = await fetch(`${adminUrl}/clients`, { headers: authorization })
      expect(listed.status).toBe(200)
      expect(((await listed.json()) as { items: Array<{ client_id: string }> }).items.map((client) => client.client_id)).toContain(created.client_id)
      const document = (await (await fetch(`${adminUrl}/openapi.json`)).json()) as { servers: Array<{ url: string }> }
      expect(document.servers).toEqual([{ url: adminUrl }])
      const made = await fetch(`${adminUrl}/clients`, { method: 'POST', headers: { ...authorization, 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'Made on the admin port', grant_types: ['client_credentials'] }) })
      expect(made.status).toBe(201)
      expect(made.headers.get('location')?.startsWith(`${adminUrl}/clients/`)).toBe(true)

      // The public port knows no admin API, whatever the token; the admin port serves nothing else.
      for (const path of ['/admin/v1/clients', '/admin/v1/openapi.json', '/admin/v1', '/admin/v1/../v1/clients']) {
        expect((await fetch(`${serve.url}${path}`, { headers: authorization })).status, path).toBe(404)
      }
      const origin = new URL(adminUrl).origin
      for (const path of ['/token', '/.well-known/openid-configuration', '/authorize', '/']) {
        expect((await fetch(`${origin}${path}`)).status, path).toBe(404)
      }
    } finally {
      await serve.stop()
    }
    expect(serve.child.exitCode).toBe(0)
  })

  it('refuses a malformed HOST:PORT before starting', () => {
    expect(() => execFileSync(process.execPath, [BIN, 'serve', '--db', join(dir, 'bad.sqlite'), '--admin-api-listen', '9400'], { env, stdio: 'pipe' })).toThrow(/HOST:PORT/)
  })
})
