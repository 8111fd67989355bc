import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMcpApp } from '../../examples/mcp-server/app.js'
import { TESSERA_BIN, startServe, type ServeProcess } from '../helpers/cli.js'

/**
 * examples/mcp-server over real loopback HTTP: the built `tessera-oidc serve` (which registers the MCP server as
 * a resource through TESSERA_MCP_RESOURCE) and the example app, driven by the SDK's own client.
 */

const env = { ...process.env, TESSERA_SECRET: 'mcp-test-secret-mcp-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
let dir: string
let tessera: ServeProcess
let mcp: Server
let resource: string
let metadataUrl: string
let client: { client_id: string; client_secret: string }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-mcp-'))
  const db = join(dir, 'tessera.db')
  // The MCP server listens first: its URL is its resource identifier, which Tessera must know when it starts.
  const target: { app?: ReturnType<typeof createMcpApp> } = {}
  mcp = await new Promise<Server>((resolve) => {
    const http = serve({ fetch: (request) => (target.app ? target.app.fetch(request) : new Response(null, { status: 503 })), port: 0, hostname: '127.0.0.1' }, () => resolve(http as Server))
  })
  const origin = `http://127.0.0.1:${(mcp.address() as AddressInfo).port}`
  resource = `${origin}/mcp`
  metadataUrl = `${origin}/.well-known/oauth-protected-resource/mcp`
  tessera = await startServe(db, ['--no-seed'], { ...env, TESSERA_MCP_RESOURCE: resource })
  target.app = createMcpApp({ issuer: tessera.url, resource })
  const created = spawnSync(process.execPath, [TESSERA_BIN, 'client', 'create', '--name', 'MCP agent', '--grant', 'client_credentials', '--scope', 'mcp:tools notes:read notes:write', '--json', '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
  expect(created.status, created.stderr).toBe(0)
  client = JSON.parse(created.stdout) as { client_id: string; client_secret: string }
})

afterAll(async () => {
  await new Promise<void>((resolve) => {
    if (!mcp) return resolve()
    mcp.close(() => resolve())
    mcp.closeAllConnections()
  })
  await tessera?.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function token(form: Record<string, string>): Promise<string> {
  const response = await fetch(`${tessera.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...form }),
  })
  expect(response.status, await response.clone().text()).toBe(200)
  return ((await response.json()) as { access_token: string }).access_token
}

async function connect(accessToken: string): Promise<Client> {
  const sdk = new Client({ name: 'tessera-test', version: '0.0.0' })
  await sdk.connect(new StreamableHTTPClientTransport(new URL(resource), { requestInit: { headers: { Authorization: `Bearer ${accessToken}` } } }))
  return sdk
}

function text(result: Awaited<ReturnType<Client['callTool']>>): string {
  const [first] = result.content as { type: string; text: string }[]
  return first?.text ?? ''
}

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }
function post(body: unknown, accessToken?: string): Promise<Response> {
  return fetch(resource, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
    body: JSON.stringify(body),
  })
}

describe('the MCP example server', () => {
  it('answers 401 naming its RFC 9728 metadata and the scope, and serves the metadata naming Tessera', async () => {
    const response = await post(initialize)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${resource}", scope="mcp:tools", resource_metadata="${metadataUrl}"`)
    const metadata = await fetch(metadataUrl)
    expect(metadata.status).toBe(200)
    expect(await metadata.json()).toEqual({ resource, authorization_servers: [tessera.url], bearer_methods_supported: ['header', 'body'], scopes_supported: ['mcp:tools', 'notes:read'] })
  })

  it('lets the SDK client list the tools, call whoami and list_notes with a token for both resources', async () => {
    // Without `resource`, Tessera's `aud` names every API whose scope was granted: this server and the notes API.
    const write = await token({ scope: 'notes:write' })
    const created = await fetch(`${tessera.url}/api/notes`, { method: 'POST', headers: { authorization: `Bearer ${write}`, 'content-type': 'application/json' }, body: '{"title":"Ship the MCP example"}' })
    expect(created.status).toBe(201)
    const sdk = await connect(await token({ scope: 'mcp:tools notes:read' }))
    try {
      expect((await sdk.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['list_notes', 'whoami'])
      const whoami = await sdk.callTool({ name: 'whoami', arguments: {} })
      expect(whoami.isError).toBeFalsy()
      expect(JSON.parse(text(whoami))).toEqual({ sub: client.client_id, client_id: client.client_id, scope: 'mcp:tools notes:read' })
      const notes = await sdk.callTool({ name: 'list_notes', arguments: {} })
      expect(notes.isError, text(notes)).toBeFalsy()
      expect((JSON.parse(text(notes)) as { notes: { title: string }[] }).notes.map((note) => note.title)).toEqual(['Ship the MCP example'])
    } finally {
      await sdk.close()
    }
  })

  it('answers a list_notes call without notes:read with 403 insufficient_scope naming what it needs (step-up)', async () => {
    const toolsOnly = await token({ scope: 'mcp:tools' })
    const sdk = await connect(toolsOnly)
    try {
      expect(JSON.parse(text(await sdk.callTool({ name: 'whoami', arguments: {} })))).toMatchObject({ scope: 'mcp:tools' })
      await expect(sdk.callTool({ name: 'list_notes', arguments: {} })).rejects.toMatchObject({ code: 403, message: expect.stringContaining('insufficient_scope') as unknown })
    } finally {
      await sdk.close()
    }
    const refused = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_notes', arguments: {} } }, toolsOnly)
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toMatch(new RegExp(`error="insufficient_scope".*, scope="mcp:tools notes:read", resource_metadata="${metadataUrl}"$`))
    expect(await refused.json()).toMatchObject({ error: 'insufficient_scope' })
  })

  it('never hands the notes API a token issued for the MCP server alone (RFC 8707 resource)', async () => {
    // Scopes belong to their resource: a token for the MCP server alone does not carry notes:read, so
    // list_notes is refused with the step-up challenge before any forwarding is considered.
    const sdk = await connect(await token({ scope: 'mcp:tools notes:read', resource }))
    try {
      await expect(sdk.callTool({ name: 'list_notes', arguments: {} })).rejects.toThrow(/insufficient_scope/)
    } finally {
      await sdk.close()
    }
  })

  it('refuses a token for another audience (the notes API) with 401 invalid_token', async () => {
    const forNotes = await token({ scope: 'notes:read' })
    const response = await post(initialize, forNotes)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(new RegExp(`error="invalid_token".*, scope="mcp:tools", resource_metadata="${metadataUrl}"$`))
    await expect(connect(forNotes)).rejects.toMatchObject({ code: 401, message: expect.stringContaining('invalid_token') as unknown })
  })
})
