import type { ServerResponse } from 'node:http'
import { auth } from '@modelcontextprotocol/sdk/client/auth.js'
import { afterEach, describe, expect, it } from 'vitest'
import { createMcpClient, createMemoryClientStore, mcpSdkAuthProvider, type McpClientOptions } from '../../../src/client/index.js'
import { approveAtOnce, harnessServer, json, stubAuthorizationServer, type HarnessServer, type Seen } from './harness.js'

/**
 * Catalogue wave 2, RI-06: the client library sends `resource` and checks protected-resource metadata —
 * against a harness resource server and authorization server on loopback.
 */

const servers: HarnessServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function start(handle: Parameters<typeof harnessServer>[0]): Promise<HarnessServer> {
  const server = await harnessServer(handle)
  servers.push(server)
  return server
}

interface RsOptions {
  as: () => string
  /** What the metadata claims as `resource`; default the RS's /mcp. */
  resource?: (url: string) => string
  /** Answer for an authorized call. */
  authorized?: (request: Seen, response: ServerResponse, url: string) => void
}

function resourceServer(options: RsOptions): (url: string) => (request: Seen, response: ServerResponse) => void {
  return (url) => (request, response) => {
    const metadataUrl = `${url}/.well-known/oauth-protected-resource/mcp`
    if (request.path === '/.well-known/oauth-protected-resource/mcp') {
      return json(response, 200, { resource: options.resource?.(url) ?? `${url}/mcp`, authorization_servers: [options.as()] })
    }
    if (!request.authorization?.startsWith('Bearer ')) {
      return json(response, 401, { error: 'unauthorized' }, { 'www-authenticate': `Bearer resource_metadata="${metadataUrl}"` })
    }
    if (options.authorized) return options.authorized(request, response, url)
    json(response, 200, { ok: true })
  }
}

function options(rs: HarnessServer, overrides: Partial<McpClientOptions> = {}): McpClientOptions {
  return {
    serverUrl: `${rs.url}/mcp`, store: createMemoryClientStore(), secret: 'a-test-secret-of-at-least-32-characters', redirectUri: 'http://127.0.0.1:50123/callback',
    allowInsecureLoopback: true, warn: () => {}, authorize: approveAtOnce, ...overrides,
  }
}

describe('RI-06 the client library sends resource and checks protected-resource metadata', () => {
  it('RI-06 (a) aborts before any authorization request when the metadata names another resource', async () => {
    const as = await start(stubAuthorizationServer())
    const rs = await start(resourceServer({ as: () => as.url, resource: () => 'https://evil.example/mcp' }))
    const client = createMcpClient(options(rs, { trustedAuthorizationServers: [as.url] }))
    await expect(client.fetch(`${rs.url}/mcp`)).rejects.toMatchObject({ code: 'resource_mismatch' })
    expect(as.seen).toEqual([])
  })

  it('RI-06 (a) also when the metadata names the origin while the client called a path', async () => {
    const as = await start(stubAuthorizationServer())
    const rs = await start(resourceServer({ as: () => as.url, resource: (url) => url }))
    await expect(createMcpClient(options(rs, { trustedAuthorizationServers: [as.url] })).fetch(`${rs.url}/mcp`)).rejects.toMatchObject({ code: 'resource_mismatch' })
    expect(as.seen).toEqual([])
  })

  it('RI-06 (b) does not use an authorization server outside its trust configuration, and uses it once configured', async () => {
    const as = await start(stubAuthorizationServer())
    const rs = await start(resourceServer({ as: () => as.url }))
    // Default trust: the MCP server's own origin only; the harness AS is another.
    await expect(createMcpClient(options(rs)).fetch(`${rs.url}/mcp`)).rejects.toMatchObject({ code: 'untrusted_authorization_server' })
    await expect(createMcpClient(options(rs, { trustedAuthorizationServers: ['http://127.0.0.1:1'] })).fetch(`${rs.url}/mcp`)).rejects.toMatchObject({ code: 'untrusted_authorization_server' })
    expect(as.seen).toEqual([])
    const trusted = await createMcpClient(options(rs, { trustedAuthorizationServers: [as.url] })).fetch(`${rs.url}/mcp`)
    expect(trusted.status).toBe(200)
  })

  it('RI-06 (c) sends resource in the authorization and token requests, and never the token to another origin, even after a 307', async () => {
    const other = await start(() => (_request, response) => json(response, 200, { other: true }))
    const as = await start(stubAuthorizationServer())
    const rs = await start(resourceServer({
      as: () => as.url,
      authorized: (request, response, url) => {
        if (request.path === '/mcp/elsewhere') return void response.writeHead(307, { location: `${other.url}/steal` }).end()
        if (request.path === '/mcp/moved') return void response.writeHead(307, { location: `${url}/mcp` }).end()
        json(response, 200, { ok: true, path: request.path })
      },
    }))
    const client = createMcpClient(options(rs, { trustedAuthorizationServers: [as.url] }))
    const ok = await client.fetch(`${rs.url}/mcp`, { method: 'POST', body: '{}' })
    expect(ok.status).toBe(200)
    const authorization = as.seen.find((request) => request.path === '/authorize')
    const token = as.seen.find((request) => request.path === '/token')
    expect(authorization?.query.get('resource')).toBe(`${rs.url}/mcp`)
    expect(authorization?.query.get('code_challenge_method')).toBe('S256')
    expect(token?.form.get('resource')).toBe(`${rs.url}/mcp`)
    expect(token?.form.get('code_verifier')).toMatch(/^[\w-]{43,128}$/)

    // A redirect to another origin is handed back unfollowed: the token stays with its resource's origin.
    const redirected = await client.fetch(`${rs.url}/mcp/elsewhere`, { method: 'POST', body: '{}' })
    expect(redirected.status).toBe(307)
    expect(other.seen).toEqual([])
    // A same-origin 307 is followed, with the token, method and body kept.
    const moved = await client.fetch(`${rs.url}/mcp/moved`, { method: 'POST', body: '{}' })
    expect(await moved.json()).toEqual({ ok: true, path: '/mcp' })
    expect(rs.seen.at(-1)).toMatchObject({ method: 'POST', path: '/mcp', authorization: expect.stringMatching(/^Bearer at-/) as unknown })
    // Nor is the token attached to a request for another origin.
    await expect(client.fetch(`${other.url}/steal`)).rejects.toThrow(/not the MCP server's origin/)
    expect(other.seen).toEqual([])
  })
})

describe('RI-06 through the MCP SDK: mcpSdkAuthProvider makes the SDK use the checked discovery', () => {
  it('RI-06 (a, b) the SDK flow stops before any authorization request on a mismatched resource or an untrusted server', async () => {
    const as = await start(stubAuthorizationServer())
    const mismatched = await start(resourceServer({ as: () => as.url, resource: () => 'https://evil.example/mcp' }))
    const redirects: URL[] = []
    const provider = (rs: HarnessServer, trusted?: string[]) => mcpSdkAuthProvider(createMcpClient(options(rs, trusted ? { trustedAuthorizationServers: trusted } : {})), { redirectToAuthorization: (url) => void redirects.push(url) })
    await expect(auth(provider(mismatched, [as.url]), { serverUrl: `${mismatched.url}/mcp` })).rejects.toMatchObject({ code: 'resource_mismatch' })
    const honest = await start(resourceServer({ as: () => as.url }))
    await expect(auth(provider(honest), { serverUrl: `${honest.url}/mcp` })).rejects.toMatchObject({ code: 'untrusted_authorization_server' })
    expect(as.seen).toEqual([])
    expect(redirects).toEqual([])
    // Trusted and matching: the SDK redirects with the checked resource, PKCE S256 and the registered client.
    expect(await auth(provider(honest, [as.url]), { serverUrl: `${honest.url}/mcp` })).toBe('REDIRECT')
    expect(redirects[0]?.searchParams.get('resource')).toBe(`${honest.url}/mcp`)
    expect(redirects[0]?.searchParams.get('client_id')).toBe('registered-1')
    expect(redirects[0]?.searchParams.get('code_challenge_method')).toBe('S256')
  })
})
