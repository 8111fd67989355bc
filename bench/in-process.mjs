#!/usr/bin/env node
// Tessera's own cost per request, without HTTP: `server.handle()` on prepared request values, 50 at a time
// as under wrk's 50 connections (the bench fixtures). What is left of a benchmark row's time after this is the
// HTTP stack. `--store sqlite --log` is the store and logger `tessera-oidc serve` runs with (a database file,
// pino at info with the server's redaction, asynchronously to a file); the default is the library row's memory
// store without a logger. CPU time is the process's, all threads (the SQLite checkpoint worker included), so
// it stays meaningful on a busy machine where wall time does not. Run `npm run build` first, then
//   taskset -c 0 node bench/in-process.mjs [--format jwt|opaque] [--store memory|sqlite] [--log] [--requests 20000]
//     [--only client_credentials,introspection,authorization_code,refresh_token]   (rows whose label starts so)
// Add `--cpu-prof` after `node` to profile the core alone.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { createAuthorizationServer, createClient, createUser, LOG_OPTIONS } from 'tessera-oidc/server'
import { createMemoryStore } from 'tessera-oidc/storage/memory'
import { openSqliteStore } from 'tessera-oidc/storage/sqlite'
// Internal helpers of the package: the hashing and token generation the server uses, for prepared codes.
import { randomToken, sha256 } from '../dist/crypto/random.js'
import {
  API, API_SCOPES, CLIENT_ID, CLIENT_SCOPES, CLIENT_SECRET, CODE_CHALLENGE, CODE_VERIFIER, NONCE, PASSWORD, REDIRECT_URI,
  SERVER_SECRET, USER_GRANT_SCOPES, USERNAME, basicAuthorization,
} from './lib/fixtures.mjs'

const { values } = parseArgs({
  options: {
    format: { type: 'string', default: 'jwt' },
    store: { type: 'string', default: 'memory' },
    log: { type: 'boolean', default: false },
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '50' },
    only: { type: 'string' },
  },
})
const requests = Number(values.requests)
const issuer = 'http://127.0.0.1:4000'
const dir = mkdtempSync(join(tmpdir(), 'tessera-in-process-'))
const store = values.store === 'sqlite' ? await openSqliteStore({ filename: join(dir, 'tessera.db') }) : createMemoryStore()
const logger = values.log ? pino({ level: 'info', ...LOG_OPTIONS }, pino.destination({ dest: join(dir, 'tessera.log'), sync: false })) : undefined
const server = await createAuthorizationServer({
  issuer, store, secret: SERVER_SECRET, resources: [{ identifier: API, scopes: API_SCOPES }], accessTokenFormat: values.format, ...(logger ? { logger } : {}),
})
await createClient(store, {
  name: 'Bench client', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI],
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'], scopes: CLIENT_SCOPES,
}, Math.floor(Date.now() / 1000))
const user = await createUser(store, { username: USERNAME, password: PASSWORD }, Math.floor(Date.now() / 1000))

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

async function run(label, request, count) {
  let left = count
  await Promise.all(Array.from({ length: Number(values.concurrency) }, async () => {
    while (left-- > 0) {
      const response = await server.handle(await request())
      if (response.status !== 200) throw new Error(`${label}: ${response.status} ${response.body}`)
    }
  }))
}

async function measure(label, request, prepare) {
  if (values.only && !values.only.split(',').some((word) => label.startsWith(word))) return
  await prepare?.(5_000)
  await run(label, request, 5_000)
  await prepare?.(requests)
  const cpu = process.cpuUsage()
  const started = performance.now()
  await run(label, request, requests)
  const used = process.cpuUsage(cpu)
  const micros = ((performance.now() - started) * 1000) / requests
  const cpuMicros = (used.user + used.system) / requests
  console.log(`${label.padEnd(40)} ${cpuMicros.toFixed(1).padStart(6)} µs CPU/request  ${micros.toFixed(1).padStart(6)} µs wall  (${Math.round(1e6 / micros).toLocaleString('en-US')}/s)`)
}

console.log(`Tessera in process, ${values.format} access tokens, ${values.store} store, ${values.log ? 'pino at info' : 'no logger'}, ${requests} requests each, ${values.concurrency} at a time (Node ${process.version})`)
await measure('client_credentials grant', () => post('/token', grant))
await measure('introspection of that grant\'s token', () => post('/introspect', `token=${token}`))

// The write path: codes and refresh tokens as the code grant stores them, prepared outside the measured time
// (RS256 ID tokens, the default, as in the bench rows).
let prepared = []
const now = () => Math.floor(Date.now() / 1000)
async function prepareCodes(count) {
  prepared = []
  for (let i = 0; i < count; i++) {
    const code = randomToken(32)
    await store.codes.save({
      code_hash: sha256(code), client_id: CLIENT_ID, user_id: user.id, redirect_uri: REDIRECT_URI, scopes: USER_GRANT_SCOPES,
      resources: [API], nonce: NONCE, code_challenge: CODE_CHALLENGE, code_challenge_method: 'S256', auth_time: now(),
      session_id: randomToken(16), grant_id: randomToken(16), expires_at: now() + 600, consumed_at: null,
    })
    prepared.push(code)
  }
}
async function prepareRefreshTokens(count) {
  prepared = []
  for (let i = 0; i < count; i++) {
    const refreshToken = randomToken(32)
    await store.refreshTokens.save({
      token_hash: sha256(refreshToken), grant_id: randomToken(16), client_id: CLIENT_ID, user_id: user.id, scopes: USER_GRANT_SCOPES,
      resources: [API], auth_time: now(), session_id: randomToken(16), created_at: now(), expires_at: now() + 86_400, consumed_at: null,
    })
    prepared.push(refreshToken)
  }
}
const redirect = encodeURIComponent(REDIRECT_URI)
await measure('authorization_code grant (RS256 ID token)', () => post('/token', `grant_type=authorization_code&code=${prepared.pop()}&redirect_uri=${redirect}&code_verifier=${CODE_VERIFIER}`), prepareCodes)
await measure('refresh_token grant (rotation)', () => post('/token', `grant_type=refresh_token&refresh_token=${prepared.pop()}`), prepareRefreshTokens)
await server.audit.flush()
await store.close()
logger?.flush()
rmSync(dir, { recursive: true, force: true })
