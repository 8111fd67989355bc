import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createMcpClient, createMemoryClientStore, type McpClientOptions } from '../../../src/client/index.js'
import { openSqliteClientStore } from '../../../src/client/sqlite-store.js'
import type { RelyingPartyStore } from '../../../src/client/store.js'
import { approveAtOnce, harnessServer, json, stubAuthorizationServer, type HarnessServer } from './harness.js'

/** Credentials and tokens per (issuer, resource) in the relying-party store, sealed; refresh on invalid_token; concurrent 401s share one authorization. */

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function fixture(): Promise<{ as: HarnessServer; rs: HarnessServer; store: RelyingPartyStore; file: string }> {
  const as = await harnessServer(stubAuthorizationServer())
  const rs = await harnessServer((url) => (request, response) => {
    const resource = request.path.startsWith('/b') ? `${url}/b` : `${url}/a`
    if (request.path.startsWith('/.well-known/oauth-protected-resource/')) {
      return json(response, 200, { resource: `${url}/${request.path.split('/').at(-1)}`, authorization_servers: [as.url] })
    }
    if (!request.authorization) return json(response, 401, {}, { 'www-authenticate': `Bearer resource_metadata="${url}/.well-known/oauth-protected-resource/${resource.split('/').at(-1)}"` })
    json(response, 200, { token: request.authorization })
  })
  const dir = mkdtempSync(join(tmpdir(), 'tessera-mcp-store-'))
  const file = join(dir, 'client.db')
  const store = await openSqliteClientStore({ filename: file })
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close(), () => as.close(), () => rs.close())
  return { as, rs, store, file }
}

function options(rs: HarnessServer, as: HarnessServer, store: RelyingPartyStore, path: string, authorize: McpClientOptions['authorize']): McpClientOptions {
  return {
    serverUrl: `${rs.url}/${path}`, store, secret: 'a-test-secret-of-at-least-32-characters', redirectUri: 'http://127.0.0.1:50125/callback',
    allowInsecureLoopback: true, warn: () => {}, trustedAuthorizationServers: [as.url], ...(authorize ? { authorize } : {}),
  }
}

describe('MCP client credentials and tokens in the relying-party store', () => {
  it('keeps them per (issuer, resource) in SQLite, sealed, and reuses them from another client instance', async () => {
    const { as, rs, store, file } = await fixture()
    let prompts = 0
    const authorize = (url: URL): Promise<URL> => ((prompts += 1), approveAtOnce(url))
    const first = await (await createMcpClient(options(rs, as, store, 'a', authorize)).fetch(`${rs.url}/a`)).json() as { token: string }
    expect(prompts).toBe(1)
    // Another instance (a restart) on the same store: no prompt, no second registration, the same token.
    const again = await (await createMcpClient(options(rs, as, store, 'a', () => Promise.reject(new Error('prompted again')))).fetch(`${rs.url}/a`)).json() as { token: string }
    expect(again.token).toBe(first.token)
    expect(as.seen.filter((request) => request.path === '/register')).toHaveLength(1)
    // Another resource of the same server is another pair: its own registration and tokens.
    await createMcpClient(options(rs, as, store, 'b', authorize)).fetch(`${rs.url}/b`)
    expect(prompts).toBe(2)
    expect(as.seen.filter((request) => request.path === '/register')).toHaveLength(2)
    await store.close()
    expect(readFileSync(file).includes(Buffer.from(first.token.slice('Bearer '.length)))).toBe(false)
  })

  it('refreshes once, with the same resource, when the server answers 401 invalid_token, and asks the user no more', async () => {
    const as = await harnessServer(stubAuthorizationServer({ refresh: true }))
    const revoked = new Set<string>()
    const rs = await harnessServer((url) => (request, response) => {
      if (request.path === '/.well-known/oauth-protected-resource/a') return json(response, 200, { resource: `${url}/a`, authorization_servers: [as.url] })
      const token = request.authorization?.slice('Bearer '.length)
      if (!token) return json(response, 401, {}, { 'www-authenticate': 'Bearer' })
      if (revoked.has(token)) return json(response, 401, {}, { 'www-authenticate': 'Bearer error="invalid_token"' })
      json(response, 200, { token })
    })
    cleanup.push(() => as.close(), () => rs.close())
    let prompts = 0
    const client = createMcpClient(options(rs, as, createMemoryClientStore(), 'a', (url) => ((prompts += 1), approveAtOnce(url))))
    const first = (await (await client.fetch(`${rs.url}/a`)).json()) as { token: string }
    revoked.add(first.token)
    const second = (await (await client.fetch(`${rs.url}/a`)).json()) as { token: string }
    expect(second.token).toMatch(/^at-refresh_token-/)
    expect(prompts).toBe(1)
    const refresh = as.seen.find((request) => request.form.get('grant_type') === 'refresh_token')
    expect(refresh?.form.get('resource')).toBe(`${rs.url}/a`)
  })

  it('asks the user once when concurrent requests meet the 401 together', async () => {
    const { as, rs, store } = await fixture()
    let prompts = 0
    const client = createMcpClient(options(rs, as, store, 'a', (url) => ((prompts += 1), approveAtOnce(url))))
    const answers = await Promise.all([1, 2, 3].map(() => client.fetch(`${rs.url}/a`)))
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200])
    expect(prompts).toBe(1)
  })
})
