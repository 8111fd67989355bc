// The MCP server of examples/mcp-server: the official SDK's Streamable HTTP transport behind `tessera-oidc/resource`.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { protectedResourceMetadata, requireAuth, type ResourceAuthEnv } from 'tessera-oidc/adapters/hono-resource'
import { createResourceServer, type Principal, type ResourceServer } from 'tessera-oidc/resource'

/** Needed for any MCP request: the scope of this server's own resource at Tessera (`demoMcpResource`). */
export const TOOLS_SCOPE = 'mcp:tools'
/** Needed besides for `list_notes`: the demo notes API's read scope. */
export const NOTES_SCOPE = 'notes:read'

export interface McpExampleConfig {
  /** Tessera's issuer, e.g. http://localhost:4000. */
  issuer: string
  /** This server's resource identifier (RFC 8707 §2), the URL clients connect to: http://localhost:3001/mcp. */
  resource: string
}

/** The notes API of `tessera-oidc serve` and its resource identifier (`demoResource`: `<issuer>/api`). */
function notesApi(issuer: string): { url: string; audience: string } {
  const base = issuer.replace(/\/+$/, '')
  return { url: `${base}/api/notes`, audience: `${base}/api` }
}

/** A JSON-RPC request needs no more than this; the SDK's own bound does not apply to a body read here. */
const MAX_BODY = 1024 * 1024

/** Tessera's principal in the SDK's shape, so that tools read it from `extra.authInfo`. */
function authInfoOf(principal: Principal, token: string, resource: string): AuthInfo {
  const { exp, aud } = principal.claims
  return {
    token,
    clientId: principal.clientId,
    scopes: [...principal.scopes],
    ...(typeof exp === 'number' ? { expiresAt: exp } : {}),
    resource: new URL(resource),
    extra: { sub: principal.subject, aud: typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [] },
  }
}

function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] }
}

function json(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] }
}

/** The tools, on a server made per request: it holds only what this request's token allows. */
function mcpServer(issuer: string): McpServer {
  const server = new McpServer({ name: 'tessera-notes', version: '0.1.0' })
  server.registerTool('whoami', { description: 'Who the access token speaks for: {"sub", "client_id", "scope"}' }, (extra) => {
    const auth = extra.authInfo
    if (!auth) return toolError('No access token')
    return json({ sub: auth.extra?.sub, client_id: auth.clientId, scope: auth.scopes.join(' ') })
  })
  server.registerTool('list_notes', { description: `Your notes from Tessera's demo API (needs ${NOTES_SCOPE})` }, async (extra) => {
    const auth = extra.authInfo
    // The HTTP layer answered 403 already (see `stepUp`); this guards a call that reaches the tool some other way.
    if (!auth?.scopes.includes(NOTES_SCOPE)) return toolError(`insufficient_scope: ${NOTES_SCOPE} is needed`)
    const api = notesApi(issuer)
    // The token goes to the notes API only if it was issued for that API too (RFC 8707 §2): a token meant
    // for this server alone is never handed on (MCP 2025-11-25 security best practices, token passthrough).
    const audiences = (auth.extra?.aud ?? []) as string[]
    if (!audiences.includes(api.audience)) {
      return toolError(`The access token is for ${audiences.join(', ')}; list_notes needs one issued for ${api.audience} as well (ask for scope "${TOOLS_SCOPE} ${NOTES_SCOPE}" without a resource parameter)`)
    }
    const response = await fetch(api.url, { headers: { authorization: `Bearer ${auth.token}`, accept: 'application/json' } })
    if (!response.ok) return toolError(`The notes API answered ${response.status} ${response.headers.get('www-authenticate') ?? ''}`.trim())
    return json(await response.json())
  })
  return server
}

/** JSON-RPC 2.0 §5.1 parse error, as the SDK's transport would answer it. */
const parseError = (c: Context): Response => c.json({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: Invalid JSON' }, id: null }, 400)

/** Whether a JSON-RPC message calls the tool `name`. */
function callsTool(message: unknown, name: string): boolean {
  if (typeof message !== 'object' || message === null) return false
  const { method, params } = message as { method?: unknown; params?: { name?: unknown } }
  return method === 'tools/call' && params?.name === name
}

/**
 * MCP step-up authorization: a call that needs more than the token grants is answered, before the SDK
 * sees it, with RFC 6750 §3.1 403 `insufficient_scope` naming every scope the operation needs, so a client
 * can ask for them (MCP 2025-11-25, authorization, scope challenge handling).
 */
function stepUp(rs: ResourceServer, principal: Principal, message: unknown): Response | undefined {
  if (!callsTool(message, 'list_notes')) return undefined
  const checked = rs.checkScopes(principal, [TOOLS_SCOPE, NOTES_SCOPE])
  if (checked.ok) return undefined
  const { status, headers, body } = checked.response
  // The refusal's body is JSON text (`{"error":"insufficient_scope",…}`), whichever type carries it.
  return new Response(body === undefined || typeof body === 'string' ? (body ?? null) : new TextDecoder().decode(body), { status, headers })
}

/**
 * The MCP server as a Hono app: RFC 9728 metadata at `/.well-known/oauth-protected-resource/mcp`, and the
 * Streamable HTTP endpoint at the resource's path, behind a bearer token for this resource with `mcp:tools`.
 *
 * @example
 * ```ts
 * const app = createMcpApp({ issuer: 'http://localhost:4000', resource: 'http://localhost:3001/mcp' })
 * serve({ fetch: app.fetch, port: 3001 })
 * ```
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 */
export function createMcpApp(config: McpExampleConfig): Hono<ResourceAuthEnv> {
  // The audience is this server (RFC 8707 §2): a token issued for the notes API alone is refused here.
  const rs = createResourceServer({ issuer: config.issuer, audience: config.resource, scopesSupported: [TOOLS_SCOPE, NOTES_SCOPE] })
  const app = new Hono<ResourceAuthEnv>()
  // RFC 9728 §3.1: `/.well-known/oauth-protected-resource/mcp`, which every challenge names (§5.1).
  app.get(rs.metadataPath, protectedResourceMetadata(rs))
  const path = new URL(config.resource).pathname
  app.post(path, bodyLimit({ maxSize: MAX_BODY, onError: (c) => c.json({ jsonrpc: '2.0', error: { code: -32600, message: 'Request too large' }, id: null }, 413) }))
  app.post(path, requireAuth(rs, { scopes: [TOOLS_SCOPE] }), async (c) => {
    let message: unknown
    try {
      message = await c.req.json()
    } catch {
      return parseError(c)
    }
    const principal = c.var.auth
    const refused = stepUp(rs, principal, message)
    if (refused) return refused
    const token = (c.req.header('authorization') ?? '').replace(/^Bearer\s+/i, '')
    // Stateless: no session outlives the request, so nothing made for one token serves another.
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
    const server = mcpServer(config.issuer)
    await server.connect(transport)
    try {
      return await transport.handleRequest(c.req.raw, { parsedBody: message, authInfo: authInfoOf(principal, token, config.resource) })
    } finally {
      await server.close()
    }
  })
  // Stateless: no server-to-client stream (GET) and no session to end (DELETE); the token is still checked first.
  app.on(['GET', 'DELETE'], path, requireAuth(rs, { scopes: [TOOLS_SCOPE] }), (c) => c.json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed' }, id: null }, 405, { Allow: 'POST' }))
  return app
}
