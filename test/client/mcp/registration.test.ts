import { auth } from '@modelcontextprotocol/sdk/client/auth.js'
import { afterEach, describe, expect, it } from 'vitest'
import { createMcpClient, createMemoryClientStore, mcpSdkAuthProvider, type McpClientOptions } from '../../../src/client/index.js'
import { approveAtOnce, harnessServer, json, stubAuthorizationServer, type HarnessServer, type StubAsOptions } from './harness.js'

/** The client identity choice (MCP 2025-11-25): client ID metadata document > dynamic registration > pre-registered. */

const servers: HarnessServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function setup(asOptions: StubAsOptions, overrides: Partial<McpClientOptions>): Promise<{ as: HarnessServer; clientId: string | null; response: Response }> {
  const { as, fetchMcp } = await serversFor(asOptions, overrides)
  const response = await fetchMcp()
  return { as, clientId: as.seen.find((request) => request.path === '/authorize')?.query.get('client_id') ?? null, response }
}

async function serversFor(asOptions: StubAsOptions, overrides: Partial<McpClientOptions>): Promise<{ as: HarnessServer; fetchMcp: () => Promise<Response> }> {
  const as = await harnessServer(stubAuthorizationServer(asOptions))
  const rs = await harnessServer((url) => (request, response) => {
    if (request.path === '/.well-known/oauth-protected-resource/mcp') return json(response, 200, { resource: `${url}/mcp`, authorization_servers: [as.url], scopes_supported: ['tools'] })
    if (!request.authorization) return json(response, 401, {}, { 'www-authenticate': 'Bearer' })
    json(response, 200, {})
  })
  servers.push(as, rs)
  const client = createMcpClient({
    serverUrl: `${rs.url}/mcp`, store: createMemoryClientStore(), secret: 'a-test-secret-of-at-least-32-characters', redirectUri: 'http://127.0.0.1:50124/callback',
    allowInsecureLoopback: true, warn: () => {}, authorize: approveAtOnce, trustedAuthorizationServers: [as.url], ...overrides,
  })
  return { as, fetchMcp: () => client.fetch(`${rs.url}/mcp`) }
}

const documentUrl = 'https://client.example/mcp-client.json'

describe('MCP client identity', () => {
  it('uses its client ID metadata document URL as client_id where the server advertises support, without registering', async () => {
    const { as, clientId, response } = await setup({ cimd: true }, { clientMetadataUrl: documentUrl })
    expect(response.status).toBe(200)
    expect(clientId).toBe(documentUrl)
    expect(as.seen.some((request) => request.path === '/register')).toBe(false)
  })

  it('registers dynamically when the server does not advertise documents, and asks for the resource metadata scopes', async () => {
    const { as, clientId } = await setup({}, { clientMetadataUrl: documentUrl })
    expect(clientId).toBe('registered-1')
    const registration = as.seen.find((request) => request.path === '/register')
    expect(registration).toBeDefined()
    expect(as.seen.find((request) => request.path === '/authorize')?.query.get('scope')).toBe('tools')
  })

  it('falls back to pre-registered credentials (client_secret_basic) without a registration endpoint', async () => {
    const { as, clientId } = await setup({ registration: false, methods: ['client_secret_basic'] }, { preRegistered: { clientId: 'pre-1', clientSecret: 'pre-secret' } })
    expect(clientId).toBe('pre-1')
    expect(as.seen.find((request) => request.path === '/token')?.authorization).toBe(`Basic ${Buffer.from('pre-1:pre-secret').toString('base64')}`)
  })

  it('refuses when the server offers no way to identify and nothing is pre-registered', async () => {
    const { as, fetchMcp } = await serversFor({ registration: false }, {})
    await expect(fetchMcp()).rejects.toMatchObject({ code: 'provider_misconfigured' })
    expect(as.seen.some((request) => request.path === '/authorize')).toBe(false)
  })
})

describe('mcpSdkAuthProvider', () => {
  it("follows the challenge's resource_metadata it saw through its fetch (metadata at no well-known URL)", async () => {
    const as = await harnessServer(stubAuthorizationServer())
    const rs = await harnessServer((url) => (request, response) => {
      if (request.path === '/custom/prm.json') return json(response, 200, { resource: `${url}/mcp`, authorization_servers: [as.url] })
      json(response, 401, {}, { 'www-authenticate': `Bearer resource_metadata="${url}/custom/prm.json"` })
    })
    servers.push(as, rs)
    const make = () => mcpSdkAuthProvider(createMcpClient({
      serverUrl: `${rs.url}/mcp`, store: createMemoryClientStore(), secret: 'a-test-secret-of-at-least-32-characters', redirectUri: 'http://127.0.0.1:50126/callback',
      allowInsecureLoopback: true, warn: () => {}, trustedAuthorizationServers: [as.url],
    }), { redirectToAuthorization: () => {} })
    await expect(auth(make(), { serverUrl: `${rs.url}/mcp` })).rejects.toMatchObject({ code: 'provider_misconfigured' })
    const provider = make()
    expect((await provider.fetch(`${rs.url}/mcp`, { method: 'POST' })).status).toBe(401)
    expect(await auth(provider, { serverUrl: `${rs.url}/mcp` })).toBe('REDIRECT')
  })
})
