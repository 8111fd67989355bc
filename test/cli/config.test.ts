import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe } from '../helpers/cli.js'

// Black-box: the built `tessera` command with a configuration file, as a deployment runs it.
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-config-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, document: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, typeof document === 'string' ? document : JSON.stringify(document))
  return path
}

function tessera(args: string[], extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 30_000 })
}

const ORDERS = { identifier: 'https://orders.example.com/api', scopes: { 'orders:read': 'Read your orders' } }

describe('tessera-oidc config check', () => {
  it('accepts a valid file and names its APIs', () => {
    const result = tessera(['config', 'check', file('ok.json', { resources: [ORDERS], lifetimes: { accessToken: '15m' } }), '--json'])
    expect(result.status, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, resources: [ORDERS.identifier] })
  })

  it('names every problem by its key, with what to write instead, and exits 2', () => {
    const result = tessera(['config', 'check', file('bad.json', {
      secret: 'x'.repeat(40), issuer: 'not a url', server: { port: 70000 }, resources: [{ identifier: '/api', scopes: { 'a b': 'x' } }],
      lifetimes: { accessToken: '15 minutes' }, tokens: { format: 'paseto' }, registration: { policy: 'sometimes' }, colour: 'blue',
    })])
    expect(result.status).toBe(2)
    for (const line of [
      /secret: the server secret never goes in the file: set TESSERA_SECRET/,
      /issuer: must be an http\(s\) URL/,
      /server\.port: /,
      /resources\[0\]\.identifier: must be an absolute URI without a fragment/,
      /resources\[0\]\.scopes\["a b"\]: must be a scope token/,
      /lifetimes\.accessToken: must be a duration such as 30m/,
      /tokens\.format: /,
      /registration\.policy: /,
      /colour: unknown key/,
    ]) expect(result.stderr).toMatch(line)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('refuses a file that is not JSON or not there', () => {
    expect(tessera(['config', 'check', file('broken.json', '{ "issuer": ')]).stderr).toMatch(/is not JSON/)
    expect(tessera(['config', 'check', join(dir, 'missing.json')]).stderr).toMatch(/cannot be read: ENOENT/)
  })

  it('prints the JSON Schema', () => {
    const result = tessera(['config', 'schema'])
    expect(result.status).toBe(0)
    const schema = JSON.parse(result.stdout) as { $schema: string; properties: Record<string, unknown>; additionalProperties: boolean }
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.additionalProperties).toBe(false)
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['issuer', 'resources', 'lifetimes', 'registration', 'metrics']))
  })
})

describe('tessera-oidc serve --config', () => {
  it('serves the configured API and nothing of the demo, with the file\'s lifetimes and flags over the file', async () => {
    const config = file('serve.json', { resources: [ORDERS], lifetimes: { accessToken: '15m' }, tokens: { format: 'jwt' }, registration: { policy: 'open' }, server: { port: 1 } })
    const server = await startServe(join(dir, 'serve.db'), ['--config', config], env, { demo: false })
    try {
      expect(server.output()).not.toMatch(/demo user|client_secret:/)
      expect((await fetch(`${server.url}/api/notes`)).status).toBe(404)
      // Open registration from the file: a machine client for the configured API.
      const registered = await fetch(`${server.url}/register`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'orders job', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'orders:read' }),
      })
      expect(registered.status).toBe(201)
      const client = (await registered.json()) as { client_id: string; client_secret: string }
      const token = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read' }),
      })
      expect(token.status).toBe(200)
      const body = (await token.json()) as { access_token: string; expires_in: number }
      expect(body.expires_in).toBe(900)
      expect(decodeJwt(body.access_token).aud).toBe(ORDERS.identifier)
    } finally {
      await server.stop()
    }
  })

  it('runs no demo without --demo, with or without a file, and says how to add an API', async () => {
    const plain = await startServe(join(dir, 'plain.db'), [], env, { demo: false })
    try {
      expect(plain.output()).toMatch(/no APIs configured: .*tessera-oidc resource create/)
      expect(plain.output()).not.toMatch(/demo user|client_secret:/)
      expect((await fetch(`${plain.url}/api/notes`)).status).toBe(404)
      expect((await fetch(`${plain.url}/.well-known/openid-configuration`)).status).toBe(200)
    } finally {
      await plain.stop()
    }
  })

  it('says how to add an API when the file names none, and runs the demo only with --demo', async () => {
    const empty = file('empty.json', {})
    const bare = await startServe(join(dir, 'bare.db'), ['--config', empty], env, { demo: false })
    try {
      expect(bare.output()).toMatch(/no APIs configured: list them under "resources"/)
      expect((await fetch(`${bare.url}/.well-known/oauth-authorization-server`)).status).toBe(200)
    } finally {
      await bare.stop()
    }
    const demo = await startServe(join(dir, 'demo.db'), [], { ...env, TESSERA_CONFIG: empty })
    try {
      expect(demo.output()).toMatch(/demo user/)
      expect((await fetch(`${demo.url}/.well-known/oauth-protected-resource/api`)).status).toBe(200)
    } finally {
      await demo.stop()
    }
  })

  it('refuses to start on an invalid file, naming the key', () => {
    const result = tessera(['serve', '--port', '0', '--db', join(dir, 'x.db'), '--config', file('invalid.json', { lifetimes: { accessToken: -1 } })])
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/lifetimes\.accessToken/)
  })
})
