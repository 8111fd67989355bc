import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN as BIN, startServe } from '../helpers/cli.js'
import { signInThroughPages } from '../helpers/http-client.js'
import { newPkce } from '../helpers/pkce.js'

// Black-box, like cli.test.ts: the built `tessera` command, with a client ID metadata document that the
// test serves on loopback — over http, and over https with a throwaway CA handed to the server through
// NODE_EXTRA_CA_CERTS (the MCP SDK accepts only https metadata URLs).
const PASSWORD = 'demo-password-for-cimd'
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn', TESSERA_DEMO_PASSWORD: PASSWORD }
let dir: string
let documentHost: Server
let clientId: string
let redirectUri: string
let fetches = 0

let httpsHost: ReturnType<typeof createHttpsServer>
let httpsClientId: string
let caFile: string

function documentFor(id: string, redirect: string) {
  return (request: IncomingMessage, response: ServerResponse) => {
    if (request.url !== '/client.json') return void response.writeHead(404).end()
    fetches++
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      client_id: id, client_name: 'Local MCP client', redirect_uris: [redirect], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none', scope: 'openid profile mcp:tools',
    }))
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-cimd-'))
  documentHost = createServer((request, response) => documentFor(clientId, redirectUri)(request, response))
  await new Promise<void>((resolve) => documentHost.listen(0, '127.0.0.1', resolve))
  const { port } = documentHost.address() as AddressInfo
  clientId = `http://127.0.0.1:${port}/client.json`
  redirectUri = `http://127.0.0.1:${port}/callback`

  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Tessera CLI test CA')
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=127.0.0.1')
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n')
  run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '1', '-extfile', 'ext.cnf')
  caFile = join(dir, 'ca.pem')
  httpsHost = createHttpsServer({ key: readFileSync(join(dir, 'leaf.key')), cert: readFileSync(join(dir, 'leaf.pem')) }, (request, response) => documentFor(httpsClientId, redirectUri)(request, response))
  await new Promise<void>((resolve) => httpsHost.listen(0, '127.0.0.1', resolve))
  httpsClientId = `https://127.0.0.1:${(httpsHost.address() as AddressInfo).port}/client.json`
})
afterAll(async () => {
  await new Promise((resolve) => documentHost.close(resolve))
  await new Promise((resolve) => httpsHost.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

function authorizationUrl(base: string, challenge: string, id = clientId): URL {
  const url = new URL(`${base}/authorize`)
  for (const [name, value] of Object.entries({
    response_type: 'code', client_id: id, redirect_uri: redirectUri, scope: 'openid profile', state: 'cimd-state', code_challenge: challenge, code_challenge_method: 'S256',
  })) url.searchParams.set(name, value)
  return url
}

describe('tessera-oidc serve --client-metadata-documents --allow-loopback-fetch', () => {
  async function authorizesAndIssues(url: string, id: string): Promise<void> {
    const metadata = (await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>
    expect(metadata.client_id_metadata_document_supported).toBe(true)
    const { verifier, challenge } = newPkce()
    const before = fetches
    const back = await signInThroughPages(authorizationUrl(url, challenge, id), redirectUri, { username: 'demo', password: PASSWORD })
    expect(back.searchParams.get('state')).toBe('cimd-state')
    const response = await fetch(`${url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code') ?? '', redirect_uri: redirectUri, code_verifier: verifier, client_id: id }).toString(),
    })
    const tokens = (await response.json()) as Record<string, unknown>
    expect(response.status, JSON.stringify(tokens)).toBe(200)
    expect(tokens.token_type).toBe('Bearer')
    // Fetched once, then served from the cache for the pages and the token request.
    expect(fetches - before).toBe(1)
  }

  it('authorizes a client known only by its metadata document on loopback http, and issues its tokens', async () => {
    const server = await startServe(join(dir, 'tessera.db'), ['--client-metadata-documents', '--allow-loopback-fetch'], env)
    try {
      await authorizesAndIssues(server.url, clientId)
    } finally {
      await server.stop()
    }
  })

  it('does the same for a document on loopback https, trusting a test CA through NODE_EXTRA_CA_CERTS', async () => {
    const server = await startServe(join(dir, 'https-doc.db'), [], { ...env, TESSERA_CLIENT_METADATA_DOCUMENTS: '1', TESSERA_ALLOW_LOOPBACK_FETCH: '1', NODE_EXTRA_CA_CERTS: caFile })
    try {
      await authorizesAndIssues(server.url, httpsClientId)
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
