/**
 * The case issue 14 is about, end to end over loopback HTTP with three processes: `tessera-oidc serve` issuing
 * opaque access tokens; an API in its own Node process running `createResourceServer` of `tessera-oidc/resource`
 * in introspection mode with the credentials `tessera-oidc resource create` printed; and this test as the
 * third-party client. The resource is created while the server runs (no restart), the client with
 * `tessera-oidc client create`. Needs dist/ (`npx tsc -p tsconfig.build.json`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN, startServe, type ServeProcess } from '../helpers/cli.js'

const FILES_API = 'http://127.0.0.1:6000/files'
const env = { ...process.env, TESSERA_SECRET: 'stored-resource-secret-stored-resource-0123456789', TESSERA_LOG_LEVEL: 'warn' }
const RESOURCE_MODULE = pathToFileURL(join(process.cwd(), 'dist/resource/index.js')).href

// The API: every request is verified by introspection (cacheTtl 0), 200 with the principal or the RFC 6750 challenge.
const API_SCRIPT = `
import { createServer } from 'node:http'
import { createResourceServer } from ${JSON.stringify(RESOURCE_MODULE)}
const [issuer, audience, clientId, clientSecret] = process.argv.slice(1)
const rs = createResourceServer({ issuer, audience, introspection: { clientId, clientSecret, cacheTtl: 0 } })
const server = createServer(async (req, res) => {
  const headers = new Headers()
  if (req.headers.authorization) headers.set('authorization', req.headers.authorization)
  const result = await rs.verify({ method: req.method ?? 'GET', url: new URL(req.url ?? '/', audience), headers, body: undefined })
  if (result.ok) {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ client: result.principal.clientId, scopes: result.principal.scopes }))
    return
  }
  res.writeHead(result.response.status, Object.fromEntries(result.response.headers))
  res.end(typeof result.response.body === 'string' ? result.response.body : Buffer.from(result.response.body ?? new Uint8Array()))
})
server.listen(0, '127.0.0.1', () => console.log('api listening on ' + server.address().port))
`

let dir: string
let db: string
let serve: ServeProcess
let api: ChildProcess | undefined

function tessera(...args: string[]): Record<string, unknown> {
  const result = spawnSync(process.execPath, [TESSERA_BIN, ...args, '--db', db, '--json'], { env, encoding: 'utf8', timeout: 30_000 })
  expect(result.status, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as Record<string, unknown>
}

function startApi(args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', API_SCRIPT, ...args], { env })
  api = child
  let output = ''
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const port = /api listening on (\d+)/.exec(output)?.[1]
      if (port) resolve(`http://127.0.0.1:${port}`)
    })
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => reject(new Error(`api exited with ${code}: ${output}`)))
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-stored-resource-'))
  db = join(dir, 'tessera.db')
  serve = await startServe(db, ['--no-seed', '--access-token-format', 'opaque'], env)
}, 60_000)

afterAll(async () => {
  if (api && api.exitCode === null) api.kill('SIGTERM')
  await serve.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('an API registered with tessera-oidc resource create, introspecting opaque tokens from its own process', () => {
  it('accepts a token issued for it and refuses one issued for another resource', async () => {
    const resource = tessera('resource', 'create', '--identifier', FILES_API, '--scope', 'files:read=Read your files', '--scope', 'files:write')
    expect(resource).toMatchObject({ identifier: FILES_API, scope: 'files:read files:write', client_id: expect.stringMatching(/^rs_/), client_secret: expect.any(String) })
    const client = tessera('client', 'create', '--name', 'Files job', '--grant', 'client_credentials', '--scope', 'files:read notes:read')
    const url = await startApi([serve.url, FILES_API, String(resource.client_id), String(resource.client_secret)])

    const token = async (form: Record<string, string>): Promise<string> => {
      const response = await fetch(`${serve.url}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${String(client.client_id)}:${String(client.client_secret)}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', ...form }),
      })
      expect(response.status, await response.clone().text()).toBe(200)
      return ((await response.json()) as { access_token: string }).access_token
    }
    const call = (bearer: string) => fetch(`${url}/files`, { headers: { authorization: `Bearer ${bearer}` } })

    const mine = await token({ resource: FILES_API })
    expect(mine).not.toContain('.')
    const accepted = await call(mine)
    expect(accepted.status).toBe(200)
    expect(await accepted.json()).toEqual({ client: client.client_id, scopes: ['files:read'] })

    const other = await token({ resource: `${serve.url}/api`, scope: 'notes:read' })
    const refused = await call(other)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/)

    expect(tessera('resource', 'list')).toEqual([expect.objectContaining({ identifier: FILES_API, client_id: resource.client_id })])
    expect(tessera('resource', 'delete', FILES_API)).toEqual({ deleted: FILES_API })
    // Deleted while the server runs: its credentials no longer authenticate, so the API refuses every token.
    expect((await call(mine)).status).not.toBe(200)
  }, 60_000)
})
