// `npm run example:mcp`: the MCP example server on http://localhost:MCP_PORT/mcp (3001), protected by the
// Tessera at TESSERA_ISSUER (http://localhost:4000), whose `tessera-oidc serve` knows it as a resource.
import { serve } from '@hono/node-server'
import { createMcpApp } from './app.js'

const port = Number(process.env.MCP_PORT ?? 3001)
const issuer = process.env.TESSERA_ISSUER ?? 'http://localhost:4000'
// Must equal the identifier Tessera registered (TESSERA_MCP_RESOURCE of `tessera-oidc serve`, same default).
const resource = process.env.MCP_RESOURCE ?? `http://localhost:${port}/mcp`
const app = createMcpApp({ issuer, resource })
const server = serve({ fetch: app.fetch, port, hostname: process.env.MCP_HOST ?? '127.0.0.1' }, () => {
  console.log(`MCP server: ${resource} (authorization server ${issuer})`)
})
const stop = (): void => {
  server.close(() => process.exit(0))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
