// The MCP client that @modelcontextprotocol/conformance's `auth` scenarios drive (test/conformance/mcp-auth.test.ts):
// the SDK's protocol client over streamable HTTP, its `fetch` the authorized fetch of `tessera-oidc/client`'s
// createMcpClient, which does all of the OAuth. Run by Node 22 (type stripping) against the built dist/:
//   node test/conformance/mcp-client.ts <server-url>   (MCP_CONFORMANCE_SCENARIO, MCP_CONFORMANCE_CONTEXT set by the runner)
import { randomBytes } from 'node:crypto'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { importPKCS8 } from 'jose'
import { createMcpClient, createMemoryClientStore } from 'tessera-oidc/client'

interface ConformanceContext {
  client_id?: string
  client_secret?: string
  /** auth/client-credentials-jwt: a PKCS#8 key for private_key_jwt (SEP-1046) and its algorithm. */
  private_key_pem?: string
  signing_algorithm?: string
}

const serverUrl = process.argv[2]
if (!serverUrl) {
  process.stderr.write('usage: mcp-client.ts <server-url>\n')
  process.exit(2)
}
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as ConformanceContext
const privateKey = context.private_key_pem ? { key: await importPKCS8(context.private_key_pem, context.signing_algorithm ?? 'ES256') } : undefined
const isLoopback = (url: string): boolean => ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname)

const mcp = createMcpClient({
  serverUrl,
  store: createMemoryClientStore(),
  secret: randomBytes(32).toString('base64url'),
  redirectUri: 'http://localhost:3000/callback',
  clientName: 'tessera-conformance-client',
  // The document the basic-cimd scenario expects as client_id (its authorization server does not fetch it).
  clientMetadataUrl: 'https://conformance-test.local/client-metadata.json',
  // The client-credentials scenarios are an agent acting for itself; the others have a user authorize.
  ...(process.env.MCP_CONFORMANCE_SCENARIO?.startsWith('auth/client-credentials-') ? { grant: 'client_credentials' as const } : {}),
  ...(context.client_id ? { preRegistered: { clientId: context.client_id, ...(context.client_secret ? { clientSecret: context.client_secret } : {}), ...(privateKey ? { privateKey } : {}) } } : {}),
  // The harness starts its authorization servers on random loopback ports: trust exactly those.
  trustedAuthorizationServers: isLoopback,
  allowInsecureLoopback: true,
  warn: () => {},
  // The harness approves at once: the redirect back carries the code; no browser is involved.
  async authorize(url) {
    const response = await fetch(url, { redirect: 'manual' })
    const location = response.headers.get('location')
    if (!location) throw new Error(`authorization answered ${response.status} without a redirect`)
    return new URL(location, url)
  },
})

const client = new Client({ name: 'tessera-conformance-client', version: '0.0.0' })
await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl), { fetch: mcp.fetch }))
const { tools } = await client.listTools()
if (tools.some((tool) => tool.name === 'test-tool')) await client.callTool({ name: 'test-tool', arguments: {} })
await client.close()
