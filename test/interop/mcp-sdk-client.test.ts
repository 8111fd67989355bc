import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMcpApp } from '../../examples/mcp-server/app.js'
import { createMcpClient, createMemoryClientStore, mcpSdkAuthProvider, type McpClientOptions } from '../../src/client/index.js'
import { TESSERA_BIN, startServe, type ServeProcess } from '../helpers/cli.js'
import { signInThroughPages } from '../helpers/http-client.js'

/**
 * Interop with the official MCP TypeScript SDK's client: its `Client` and `StreamableHTTPClientTransport`,
 * with `tessera-oidc/client`'s `mcpSdkAuthProvider` as the `OAuthClientProvider`, against the built `tessera
 * serve --registration open` and examples/mcp-server, over loopback HTTP. The user signs in through
 * Tessera's pages; the client registers dynamically, or identifies by its client ID metadata document
 * (served by this test on loopback, fetched by Tessera under --allow-loopback-fetch).
 */

const env = { ...process.env, TESSERA_SECRET: 'mcp-sdk-interop-secret-0123456789abcdef', TESSERA_LOG_LEVEL: 'warn' }
const user = { username: 'mina', password: 'mina-password-1' }
let dir: string
let tessera: ServeProcess
let mcp: Server
let documents: Server
let resource: string
let userId: string

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)))
}

function close(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!server) return resolve()
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** The client's metadata document (draft-ietf-oauth-client-id-metadata-document §3), served on loopback. */
const documentPath = '/mcp-interop-client.json'
let documentUrl: string
const redirectUri = 'http://127.0.0.1:51371/callback'

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-mcp-sdk-'))
  const db = join(dir, 'tessera.db')
  const target: { app?: ReturnType<typeof createMcpApp> } = {}
  mcp = await new Promise<Server>((resolve) => {
    const http = serve({ fetch: (request) => (target.app ? target.app.fetch(request) : new Response(null, { status: 503 })), port: 0, hostname: '127.0.0.1' }, () => resolve(http as Server))
  })
  resource = `http://127.0.0.1:${(mcp.address() as AddressInfo).port}/mcp`
  documents = createServer((request, response) => {
    if (request.url !== documentPath) return void response.writeHead(404).end()
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      client_id: documentUrl, client_name: 'MCP SDK interop (CIMD)', redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none',
    }))
  })
  documentUrl = `${await listen(documents)}${documentPath}`
  const created = spawnSync(process.execPath, [TESSERA_BIN, 'user', 'create', '--username', user.username, '--password', user.password, '--json', '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
  expect(created.status, created.stderr).toBe(0)
  userId = (JSON.parse(created.stdout) as { id: string }).id
  // Metadata documents are on, and may be fetched over http on loopback (development switch): the test serves its document there.
  tessera = await startServe(db, ['--no-seed', '--registration', 'open', '--client-metadata-documents', '--allow-loopback-fetch'], { ...env, TESSERA_MCP_RESOURCE: resource })
  target.app = createMcpApp({ issuer: tessera.url, resource })
}, 60_000)

afterAll(async () => {
  await close(mcp)
  await close(documents)
  await tessera?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function text(result: Awaited<ReturnType<Client['callTool']>>): string {
  const [first] = result.content as { type: string; text: string }[]
  return first?.text ?? ''
}

/** The SDK's own flow: connect → 401 → the provider's redirect → sign-in → `finishAuth(code)` → connect again. */
async function authorizeWithSdk(options: Partial<McpClientOptions>): Promise<{ clientId: string; whoami: Record<string, unknown>; authorizationUrl: URL }> {
  const client = createMcpClient({
    serverUrl: resource, store: createMemoryClientStore(), secret: 'an-app-secret-of-at-least-32-characters', redirectUri,
    trustedAuthorizationServers: [tessera.url], allowInsecureLoopback: true, clientName: 'MCP SDK interop', warn: () => {}, ...options,
  })
  let authorizationUrl: URL | undefined
  const provider = mcpSdkAuthProvider(client, { redirectToAuthorization: (url) => void (authorizationUrl = url) })
  const first = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider, fetch: provider.fetch })
  await expect(new Client({ name: 'interop', version: '0.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError)
  if (!authorizationUrl) throw new Error('the SDK did not ask for a redirect')
  const callback = await signInThroughPages(authorizationUrl, redirectUri, user)
  await first.finishAuth(callback.searchParams.get('code') ?? '')
  const sdk = new Client({ name: 'interop', version: '0.0.0' })
  await sdk.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider, fetch: provider.fetch }))
  try {
    const whoami = await sdk.callTool({ name: 'whoami', arguments: {} })
    expect(whoami.isError, text(whoami)).toBeFalsy()
    return { clientId: authorizationUrl.searchParams.get('client_id') ?? '', whoami: JSON.parse(text(whoami)) as Record<string, unknown>, authorizationUrl }
  } finally {
    await sdk.close()
  }
}

describe('the MCP SDK client with tessera/client as its OAuthClientProvider, against tessera-oidc serve and examples/mcp-server', () => {
  it('registers dynamically, authorizes with PKCE and resource, and calls whoami', async () => {
    const { clientId, whoami, authorizationUrl } = await authorizeWithSdk({})
    expect(authorizationUrl.searchParams.get('resource')).toBe(resource)
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256')
    expect(clientId).not.toBe('')
    expect(whoami).toEqual({ sub: userId, client_id: clientId, scope: 'mcp:tools' })
  }, 60_000)

  it('identifies by its client ID metadata document, which Tessera fetches, and calls whoami', async () => {
    const metadata = (await (await fetch(`${tessera.url}/.well-known/oauth-authorization-server`)).json()) as { client_id_metadata_document_supported?: boolean }
    expect(metadata.client_id_metadata_document_supported).toBe(true)
    const { clientId, whoami } = await authorizeWithSdk({ clientMetadataUrl: documentUrl })
    expect(clientId).toBe(documentUrl)
    expect(whoami).toEqual({ sub: userId, client_id: clientId, scope: 'mcp:tools' })
  }, 60_000)
})

describe("tessera-oidc/client's own MCP fetch as the SDK transport's fetch", () => {
  it('authorizes on the 401, asks for the scope of the 403 (refused: it belongs to another resource), and keeps the tokens per (issuer, resource)', async () => {
    const store = createMemoryClientStore()
    const authorizations: URL[] = []
    const options: McpClientOptions = {
      serverUrl: resource, store, secret: 'an-app-secret-of-at-least-32-characters', redirectUri,
      trustedAuthorizationServers: [tessera.url], allowInsecureLoopback: true, warn: () => {},
      authorize: async (url) => {
        authorizations.push(url)
        return signInThroughPages(url, redirectUri, user)
      },
    }
    const client = createMcpClient(options)
    const sdk = new Client({ name: 'interop', version: '0.0.0' })
    await sdk.connect(new StreamableHTTPClientTransport(new URL(resource), { fetch: client.fetch }))
    try {
      expect(JSON.parse(text(await sdk.callTool({ name: 'whoami', arguments: {} })))).toMatchObject({ sub: userId, scope: 'mcp:tools' })
      // list_notes needs notes:read: the 403 names it and the client re-authorizes for the union, for this
      // MCP server. Tessera refuses: notes:read belongs to the notes API, not to this resource (RFC 8707,
      // scopes belong to their resource); reaching the notes API from here is token exchange's job (issue 16).
      await expect(sdk.callTool({ name: 'list_notes', arguments: {} })).rejects.toThrow(/invalid_scope/)
      // The refused step-up costs nothing: the token it had still works.
      expect(JSON.parse(text(await sdk.callTool({ name: 'whoami', arguments: {} })))).toMatchObject({ scope: 'mcp:tools' })
    } finally {
      await sdk.close()
    }
    expect(authorizations.map((url) => [url.searchParams.get('scope'), url.searchParams.getAll('resource')])).toEqual([['mcp:tools', [resource]], ['mcp:tools notes:read', [resource]]])
    // Another client on the same store finds the tokens (and the registration) without asking the user again.
    const again = createMcpClient({ ...options, authorize: () => Promise.reject(new Error('asked the user again')) })
    const second = new Client({ name: 'interop', version: '0.0.0' })
    await second.connect(new StreamableHTTPClientTransport(new URL(resource), { fetch: again.fetch }))
    try {
      expect(JSON.parse(text(await second.callTool({ name: 'whoami', arguments: {} })))).toMatchObject({ scope: 'mcp:tools' })
    } finally {
      await second.close()
    }
  }, 60_000)
})
