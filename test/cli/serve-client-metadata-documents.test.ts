import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe } from '../helpers/cli.js'
import { signInThroughPages } from '../helpers/http-client.js'
import { newPkce } from '../helpers/pkce.js'

// Black-box, like cli.test.ts: the built `tessera` command, with a client ID metadata document that the
// test serves on loopback http (what an MCP client under development does).
const PASSWORD = 'demo-password-for-cimd'
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn', TESSERA_DEMO_PASSWORD: PASSWORD }
let dir: string
let documentHost: Server
let clientId: string
let redirectUri: string
let fetches = 0

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-cimd-'))
  documentHost = createServer((request, response) => {
    if (request.url !== '/client.json') return void response.writeHead(404).end()
    fetches++
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      client_id: clientId, client_name: 'Local MCP client', redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none',
    }))
  })
  await new Promise<void>((resolve) => documentHost.listen(0, '127.0.0.1', resolve))
  const { port } = documentHost.address() as AddressInfo
  clientId = `http://127.0.0.1:${port}/client.json`
  redirectUri = `http://127.0.0.1:${port}/callback`
})
afterAll(async () => {
  await new Promise((resolve) => documentHost.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

function authorizationUrl(base: string, challenge: string): URL {
  const url = new URL(`${base}/authorize`)
  for (const [name, value] of Object.entries({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid profile', state: 'cimd-state', code_challenge: challenge, code_challenge_method: 'S256',
  })) url.searchParams.set(name, value)
  return url
}

describe('tessera serve --client-metadata-documents --allow-loopback-fetch', () => {
  it('authorizes a client known only by its metadata document on loopback http, and issues its tokens', async () => {
    const server = await startServe(join(dir, 'tessera.db'), ['--client-metadata-documents', '--allow-loopback-fetch'], env)
    try {
      const metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>
      expect(metadata.client_id_metadata_document_supported).toBe(true)
      const { verifier, challenge } = newPkce()
      const back = await signInThroughPages(authorizationUrl(server.url, challenge), redirectUri, { username: 'demo', password: PASSWORD })
      expect(back.searchParams.get('state')).toBe('cimd-state')
      const code = back.searchParams.get('code') ?? ''
      const response = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId }).toString(),
      })
      const tokens = (await response.json()) as Record<string, unknown>
      expect(response.status, JSON.stringify(tokens)).toBe(200)
      expect(tokens.token_type).toBe('Bearer')
      expect(fetches).toBeGreaterThan(0)
    } finally {
      await server.stop()
    }
  })

  it('without --allow-loopback-fetch, refuses the loopback document without fetching it', async () => {
    const server = await startServe(join(dir, 'strict.db'), ['--client-metadata-documents'], env)
    const before = fetches
    try {
      const response = await fetch(authorizationUrl(server.url, newPkce().challenge), { redirect: 'manual' })
      expect(response.status).toBe(400)
      expect(response.headers.get('location')).toBeNull()
      expect(await response.text()).toContain('https')
      expect(fetches).toBe(before)
    } finally {
      await server.stop()
    }
  })

  it('refuses --allow-loopback-fetch with an https issuer, naming the setting', () => {
    const result = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--db', join(dir, 'https.db'), '--issuer', 'https://auth.example', '--allow-loopback-fetch'], { env, encoding: 'utf8', timeout: 30_000 })
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/development\.allowLoopbackFetch must not be set with an https issuer/)
  })
})
