#!/usr/bin/env node
// The resource-server middleware's own cost, without HTTP: a Hono route called through `app.fetch()` in a
// loop, unprotected and behind `requireScopes` with one reused token (the row "reused token" of scenario 5
// measures the same path over HTTP). The JWKS is served by an authorization server in the same process.
// `--root <dir>` runs another checkout's build (e.g. an untouched baseline), for an A/B of a change:
//   npm run build && taskset -c 0 node bench/resource-in-process.mjs [--root ../baseline] [--requests 200000]
import path from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { Hono } from 'hono'
import { API, API_SCOPES, CLIENT_ID, CLIENT_SCOPES, CLIENT_SECRET, REDIRECT_URI, SERVER_SECRET, basicAuthorization } from './lib/fixtures.mjs'

const { values } = parseArgs({ options: { root: { type: 'string', default: '.' }, requests: { type: 'string', default: '200000' } } })
const requests = Number(values.requests)
const dist = (module) => import(pathToFileURL(path.resolve(values.root, 'dist', module)).href)
const { createAuthorizationServer, createClient } = await dist('server/index.js')
const { createMemoryStore } = await dist('storage/memory.js')
const { createResourceServer } = await dist('resource/index.js')
const { requireScopes } = await dist('adapters/hono-resource.js')

const issuer = 'http://127.0.0.1:4000'
const store = createMemoryStore()
const server = await createAuthorizationServer({ issuer, store, secret: SERVER_SECRET, resources: [{ identifier: API, scopes: API_SCOPES }] })
await createClient(store, {
  name: 'Bench client', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI],
  grantTypes: ['client_credentials'], scopes: CLIENT_SCOPES,
}, Math.floor(Date.now() / 1000))
// The resource server's fetches (metadata, JWKS) answered by the authorization server in process.
const fetchInProcess = async (input, init) => {
  const response = await server.handle({ method: init?.method ?? 'GET', url: new URL(String(input)), headers: new Headers(init?.headers) })
  return new Response(response.body, { status: response.status, headers: response.headers })
}
const grant = new TextEncoder().encode(new URLSearchParams({ grant_type: 'client_credentials', scope: 'notes:read', resource: API }).toString())
const minted = await server.handle({ method: 'POST', url: new URL(`${issuer}/token`), headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization() }), body: grant })
const token = JSON.parse(String(minted.body)).access_token

const rs = createResourceServer({ issuer, audience: API, fetch: fetchInProcess })
const app = new Hono()
const answer = (c) => c.json({ notes: [] })
app.get('/open/notes', answer)
app.get('/api/notes', requireScopes(rs, 'notes:read'), answer)
const authorization = `Bearer ${token}`

async function measure(label, path) {
  const request = () => new Request(`http://127.0.0.1:4001${path}`, { headers: { authorization } })
  for (let i = 0; i < 20_000; i++) await app.fetch(request())
  const started = performance.now()
  for (let i = 0; i < requests; i++) {
    const response = await app.fetch(request())
    if (response.status !== 200) throw new Error(`${label}: ${response.status} ${await response.text()}`)
  }
  const micros = ((performance.now() - started) * 1000) / requests
  console.log(`${label.padEnd(40)} ${micros.toFixed(2).padStart(6)} µs/request  (${Math.round(1e6 / micros).toLocaleString('en-US')}/s)`)
  return micros
}

console.log(`Hono resource middleware in process, ${path.resolve(values.root)}, ${requests} requests each (Node ${process.version})`)
const open = await measure('Hono route, unprotected', '/open/notes')
const reused = await measure('requireScopes, one token reused', '/api/notes')
console.log(`reused token at ${((open / reused) * 100).toFixed(1)}% of the unprotected route`)
