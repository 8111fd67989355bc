// Scenario 5: a Hono API route on `@hono/node-server`, unprotected or behind Tessera's resource-server
// middleware (`requireAuth`), with Tessera's authorization server in the same process as the token
// issuer (its JWKS is fetched once and cached by the resource server; only API routes are measured).
// Configuration as JSON in argv[2]: { protect: boolean, dpop?: boolean } — with `dpop`, tokens are DPoP-bound
// (RFC 9449) and every call carries a fresh proof for the API's URL and the token (`ath`), prepared between runs.
//
// The resource server comes from the built package's public entry points, with its defaults (JWKS
// discovered from the issuer and cached, verification cache): `createResourceServer({ issuer, audience })`
// from `tessera-oidc/resource` and `requireAuth(rs, { scopes })` from `tessera-oidc/adapters/hono-resource` (a refusal
// is an HTTPException that Hono's default handler answers with the challenge).
import { TextEncoder } from 'node:util'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createAuthorizationServer, createClient } from 'tessera-oidc/server'
import { createMemoryStore } from 'tessera-oidc/storage/memory'
import { honoHandler } from 'tessera-oidc/adapters/hono'
import { API, API_SCOPES, CLIENT_ID, CLIENT_SCOPES, CLIENT_SECRET, REDIRECT_URI, SERVER_SECRET, basicAuthorization } from '../lib/fixtures.mjs'
import { dpopKey, dpopProofs } from '../lib/dpop-proofs.mjs'
import { ready, serveControl } from './ipc.mjs'

const options = JSON.parse(process.argv[2] ?? '{}')
const store = createMemoryStore()
let authorizationServer
let middleware
const app = new Hono()
const answer = (c) => c.json({ notes: [] })
// The middleware needs the issuer, known once listening; routes must be registered before that.
if (options.protect) app.get('/api/notes', (c, next) => middleware(c, next), answer)
else app.get('/api/notes', answer)
app.all('*', honoHandler({ handle: (request) => authorizationServer.handle(request) }))
const port = await new Promise((resolve) => {
  const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port))
  process.on('SIGTERM', () => {
    http.close(() => process.exit(0))
    http.closeAllConnections?.()
  })
})
const issuer = `http://127.0.0.1:${port}`
authorizationServer = await createAuthorizationServer({ issuer, store, secret: SERVER_SECRET, resources: [{ identifier: API, scopes: API_SCOPES }] })
await createClient(store, {
  name: 'Bench client',
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  redirectUris: [REDIRECT_URI],
  grantTypes: ['client_credentials'],
  scopes: CLIENT_SCOPES,
}, Math.floor(Date.now() / 1000))

if (options.protect) {
  const { createResourceServer } = await import('tessera-oidc/resource')
  const { requireAuth } = await import('tessera-oidc/adapters/hono-resource')
  middleware = requireAuth(createResourceServer({ issuer, audience: API, ...(options.dpop ? { dpop: {} } : {}) }), { scopes: ['notes:read'] })
}

const dpop = options.dpop ? await dpopKey() : undefined
// The proofs' htu: the API's own URL (the resource server compares it with its audience's origin, never the Host).
const apiUrl = new URL('/api/notes', API).href

/** Access tokens minted through the token endpoint itself, in process (the API measurement is what counts); DPoP-bound with `dpop`. */
async function mint(count) {
  const values = []
  const url = new URL(`${issuer}/token`)
  const body = new TextEncoder().encode(new URLSearchParams({ grant_type: 'client_credentials', scope: 'notes:read', resource: API }).toString())
  const tokenProofs = dpop ? await dpopProofs(dpop, count, 'POST', url.href) : []
  for (let i = 0; i < count; i++) {
    const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(), ...(dpop ? { dpop: tokenProofs[i] } : {}) })
    const response = await authorizationServer.handle({ method: 'POST', url, headers, body })
    values.push(JSON.parse(String(response.body)).access_token)
  }
  return values
}

serveControl({
  accessTokens: ({ count }) => mint(count),
  // `token<TAB>proof` lines: one token for every call, a fresh proof each.
  async dpopReusedToken({ count }) {
    const [token] = await mint(1)
    return (await dpopProofs(dpop, count, 'GET', apiUrl, token)).map((proof) => `${token}\t${proof}`)
  },
  // `token<TAB>proof` lines: a new token and its proof for every call.
  async dpopNewTokens({ count }) {
    const lines = []
    for (const token of await mint(count)) lines.push(`${token}\t${(await dpopProofs(dpop, 1, 'GET', apiUrl, token))[0]}`)
    return lines
  },
  async purge() {},
})
ready(port, { issuer })
