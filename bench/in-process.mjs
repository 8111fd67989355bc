#!/usr/bin/env node
// Tessera's own cost per request, without HTTP: `server.handle()` called in a loop on prepared request
// values (memory store, the bench fixtures). What is left of a benchmark row's time after this is the
// HTTP stack and the effects of serving 50 connections at once. Run `npm run build` first, then
//   taskset -c 0 node bench/in-process.mjs [--format jwt|opaque] [--requests 40000]
// Add `--cpu-prof` after `node` to profile the core alone.
import { parseArgs } from 'node:util'
import { createAuthorizationServer, createClient } from 'tessera-oidc/server'
import { createMemoryStore } from 'tessera-oidc/storage/memory'
import { API, API_SCOPES, CLIENT_ID, CLIENT_SCOPES, CLIENT_SECRET, REDIRECT_URI, SERVER_SECRET, basicAuthorization } from './lib/fixtures.mjs'

const { values } = parseArgs({ options: { format: { type: 'string', default: 'jwt' }, requests: { type: 'string', default: '40000' } } })
const requests = Number(values.requests)
const issuer = 'http://127.0.0.1:4000'
const store = createMemoryStore()
const server = await createAuthorizationServer({ issuer, store, secret: SERVER_SECRET, resources: [{ identifier: API, scopes: API_SCOPES }], accessTokenFormat: values.format })
await createClient(store, {
  name: 'Bench client', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI],
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'], scopes: CLIENT_SCOPES,
}, Math.floor(Date.now() / 1000))

const encoder = new TextEncoder()
const authorization = basicAuthorization()
// What an adapter hands the server: a parsed URL, the headers, the body bytes.
const post = (path, body) => ({
  method: 'POST',
  url: new URL(issuer + path),
  headers: new Headers({ authorization, 'content-type': 'application/x-www-form-urlencoded', host: '127.0.0.1:4000' }),
  body: encoder.encode(body),
  remoteAddress: '127.0.0.1',
})
const grant = `grant_type=client_credentials&scope=notes%3Aread&resource=${encodeURIComponent(API)}`
const token = JSON.parse((await server.handle(post('/token', grant))).body).access_token

async function measure(label, request) {
  for (let i = 0; i < 5_000; i++) await server.handle(request())
  const started = performance.now()
  for (let i = 0; i < requests; i++) {
    const response = await server.handle(request())
    if (response.status !== 200) throw new Error(`${label}: ${response.status} ${response.body}`)
  }
  const micros = ((performance.now() - started) * 1000) / requests
  console.log(`${label.padEnd(40)} ${micros.toFixed(1).padStart(6)} µs/request  (${Math.round(1e6 / micros).toLocaleString('en-US')}/s)`)
}

console.log(`Tessera in process, ${values.format} access tokens, ${requests} requests each (Node ${process.version})`)
await measure('client_credentials grant', () => post('/token', grant))
await measure('introspection of that grant\'s token', () => post('/introspect', `token=${token}`))
