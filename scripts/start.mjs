#!/usr/bin/env node
// `npm start`: Tessera on http://localhost:4000 (TESSERA_PORT) and the tutorial app on http://localhost:3000
// (APP_PORT), registered with each other. The demo user's password, the demo client's secret and the app's
// session secret are generated once into <data>/demo-credentials.json (mode 0600, next to TESSERA_DB), and
// the demo user and client are made to match it before the server starts, so every start can print how to
// log in. Ctrl-C or SIGTERM stops both processes.
//
// A second Tessera on http://127.0.0.1:4001 (UPSTREAM_PORT; another host name than localhost, so the two
// servers' cookies stay apart) plays an upstream identity provider: Tessera's login page shows "Continue
// with Upstream Tessera (demo)", so federation can be tried offline. Its user and client live in their own
// database (<data>/upstream.db), their secrets in the same credentials file. With TESSERA_CONFIG set, the
// configuration is the operator's and no upstream is started.
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { createClient, createUser, deleteClient, deleteUser, setClientBackchannelLogout } from 'tessera-oidc/server'
import { dbPath, openStore } from '../dist/cli/common.js'
import { cliRegistry } from '../dist/cli/capabilities.js'

const tesseraPort = Number(process.env.TESSERA_PORT ?? 4000)
const upstreamPort = Number(process.env.UPSTREAM_PORT ?? 4001)
const upstreamIssuer = `http://127.0.0.1:${upstreamPort}`
const withUpstream = (process.env.TESSERA_CONFIG ?? '') === ''
const appPort = Number(process.env.APP_PORT ?? 3000)
const issuer = process.env.TESSERA_ISSUER ?? `http://localhost:${tesseraPort}`
const appUrl = `http://localhost:${appPort}`
const dataDir = dirname(dbPath(undefined))
const now = () => Math.floor(Date.now() / 1000)
const sha256 = (value) => createHash('sha256').update(value).digest('base64url')
const secret = () => randomBytes(32).toString('base64url')
const shown = (path) => (relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path))

/** The credentials both sides share, created on first start. */
function loadCredentials() {
  const file = join(dataDir, 'demo-credentials.json')
  if (existsSync(file)) return { file, credentials: JSON.parse(readFileSync(file, 'utf8')) }
  mkdirSync(dataDir, { recursive: true })
  const credentials = { password: randomBytes(9).toString('base64url'), clientSecret: secret(), appSecret: secret(), userId: null }
  return { file, credentials }
}

/** Credentials files written before the upstream existed get its secrets on the next start. */
function withUpstreamCredentials(credentials) {
  credentials.upstreamPassword ??= randomBytes(9).toString('base64url')
  credentials.upstreamClientSecret ??= secret()
  credentials.upstreamUserId ??= null
  return credentials
}

/**
 * The upstream Tessera's store: the `upstream-demo` user and the `tessera-demo` client whose redirect URI is the
 * main server's federation callback, made to match the credentials like the demo user and client.
 */
async function ensureUpstream(credentials, db) {
  const store = await openStore({ db })
  try {
    const user = await store.users.getByUsername('upstream-demo')
    if (user && user.id !== credentials.upstreamUserId) await deleteUser(store, user.id)
    if (!user || user.id !== credentials.upstreamUserId) {
      const created = await createUser(store, { username: 'upstream-demo', password: credentials.upstreamPassword, name: 'Ursula Upstream', givenName: 'Ursula', familyName: 'Upstream', email: 'ursula@upstream.example', emailVerified: true }, now())
      credentials.upstreamUserId = created.id
    }
    const redirectUris = [`${issuer}/federation/upstream/callback`]
    const client = await store.clients.get('tessera-demo')
    const current = client && client.client_secret_hash === sha256(credentials.upstreamClientSecret) && JSON.stringify(client.redirect_uris) === JSON.stringify(redirectUris)
    if (client && !current) await deleteClient(store, 'tessera-demo')
    if (!current) {
      await createClient(store, {
        name: 'Tessera (demo)', clientId: 'tessera-demo', clientSecret: credentials.upstreamClientSecret, redirectUris,
        grantTypes: ['authorization_code'], scopes: ['openid', 'profile', 'email'], skipConsent: true,
      }, now())
    }
  } finally {
    await store.close()
  }
}

/** The main server's configuration file: the upstream Tessera as a federation upstream (its secret from the environment). */
function writeDemoConfig() {
  const config = join(dataDir, 'demo-config.json')
  const document = {
    federation: {
      upstreams: [{ id: 'upstream', preset: 'tessera', issuer: upstreamIssuer, label: 'Upstream Tessera (demo)', clientId: 'tessera-demo', clientSecretEnv: 'TESSERA_DEMO_UPSTREAM_SECRET' }],
    },
  }
  writeFileSync(config, `${JSON.stringify(document, null, 2)}\n`)
  return config
}

function saveCredentials(file, credentials) {
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
}

/**
 * Makes the store agree with the credentials: a `demo` user created from them, and the `demo-app` client with
 * their secret and this app port's redirect URIs. Anything else under those names (an older first-start seed
 * whose secrets were shown once and are gone) is replaced.
 */
async function ensureDemo(credentials) {
  const store = await openStore({})
  try {
    const user = await store.users.getByUsername('demo')
    if (user && user.id !== credentials.userId) await deleteUser(store, user.id)
    if (!user || user.id !== credentials.userId) {
      const created = await createUser(store, { username: 'demo', password: credentials.password, name: 'Demo User', givenName: 'Demo', familyName: 'User', email: 'demo@example.com', emailVerified: true }, now())
      credentials.userId = created.id
    }
    const redirectUris = [`${appUrl}/authorize`]
    const postLogoutRedirectUris = [`${appUrl}/`]
    const client = await store.clients.get('demo-app')
    const current = client && client.client_secret_hash === sha256(credentials.clientSecret) && JSON.stringify(client.redirect_uris) === JSON.stringify(redirectUris) && JSON.stringify(client.post_logout_redirect_uris) === JSON.stringify(postLogoutRedirectUris)
    if (client && !current) await deleteClient(store, 'demo-app')
    if (!current) {
      await createClient(store, {
        name: 'Tutorial app',
        clientId: 'demo-app',
        clientSecret: credentials.clientSecret,
        redirectUris,
        postLogoutRedirectUris,
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'profile', 'email', 'offline_access', 'notes:read', 'notes:write'],
      }, now())
    }
    // examples/device-cli: a public client of the device flow (RFC 8628), no secret and no redirect URI.
    if (!(await store.clients.get('device-cli'))) {
      await createClient(store, {
        name: 'Device CLI (example)', clientId: 'device-cli', authMethod: 'none',
        grantTypes: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'], scopes: ['offline_access', 'notes:read', 'notes:write'],
      }, now(), { registry: cliRegistry })
    }
    // Logging out at Tessera signs the user out of the app too (OpenID back-channel logout; loopback
    // delivery needs serve's --allow-loopback-fetch, passed below).
    await setClientBackchannelLogout(store, 'demo-app', { backchannel_logout_uri: `${appUrl}/backchannel-logout`, backchannel_logout_session_required: true })
  } finally {
    await store.close()
  }
}

const children = new Set()
let stopping = false

function stop(code) {
  if (stopping) return
  stopping = true
  for (const child of children) child.kill('SIGTERM')
  const forced = setTimeout(() => {
    for (const child of children) child.kill('SIGKILL')
  }, 5000)
  const exit = () => {
    if (children.size > 0) return
    clearTimeout(forced)
    process.exit(code)
  }
  for (const child of children) child.once('exit', exit)
  exit()
}

function run(name, script, args, env) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } })
  children.add(child)
  child.once('exit', (code, signal) => {
    children.delete(child)
    if (!stopping) {
      process.stderr.write(`${name} stopped (${signal ?? `exit ${code}`}); stopping the other process\n`)
      stop(1)
    }
  })
}

/** Polls a URL until it answers (any status), for at most 60 seconds. */
async function answers(url) {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (stopping) return
    try {
      await fetch(url, { redirect: 'manual' })
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  throw new Error(`${url} did not answer within 60 seconds`)
}

process.once('SIGINT', () => stop(0))
process.once('SIGTERM', () => stop(0))

const { file, credentials } = loadCredentials()
await ensureDemo(credentials)
const upstreamDb = join(dataDir, 'upstream.db')
if (withUpstream) await ensureUpstream(withUpstreamCredentials(credentials), upstreamDb)
saveCredentials(file, credentials)

const logLevel = process.env.TESSERA_LOG_LEVEL ?? 'warn'
if (withUpstream) {
  run('The upstream Tessera', 'dist/cli/main.js', ['serve', '--no-seed'], { TESSERA_PORT: String(upstreamPort), TESSERA_ISSUER: upstreamIssuer, TESSERA_DB: upstreamDb, TESSERA_LOG_LEVEL: logLevel })
}
run('Tessera', 'dist/cli/main.js', ['serve', '--demo', '--no-seed', '--allow-loopback-fetch', ...(withUpstream ? ['--config', writeDemoConfig()] : [])], {
  TESSERA_PORT: String(tesseraPort),
  TESSERA_LOG_LEVEL: logLevel,
  ...(withUpstream ? { TESSERA_DEMO_UPSTREAM_SECRET: credentials.upstreamClientSecret } : {}),
})
try {
  if (withUpstream) await answers(`http://127.0.0.1:${upstreamPort}/healthz`)
  await answers(`http://127.0.0.1:${tesseraPort}/healthz`)
  run('The tutorial app', 'dist/examples/tutorial-app/main.js', [], {
    APP_PORT: String(appPort),
    APP_URL: appUrl,
    APP_SECRET: credentials.appSecret,
    APP_DB: join(dataDir, 'tutorial-app.db'),
    TESSERA_ISSUER: issuer,
    TESSERA_CLIENT_ID: 'demo-app',
    TESSERA_CLIENT_SECRET: credentials.clientSecret,
  })
  await answers(`http://127.0.0.1:${appPort}/`)
} catch (error) {
  process.stderr.write(`${error.message}\n`)
  stop(1)
}
if (!stopping) {
  process.stdout.write(`
Ready. Open ${appUrl} and log in as the demo user:
  username: demo
  password: ${credentials.password}
The tutorial app is registered at Tessera (${issuer}) as client demo-app;
credentials are kept in ${shown(file)}. Ctrl-C stops both.
The device flow: node examples/device-cli/main.mjs (client device-cli) signs in a command line.
${withUpstream ? `
Or press "Continue with Upstream Tessera (demo)" and sign in there (${upstreamIssuer}):
  username: upstream-demo
  password: ${credentials.upstreamPassword}
Your first sign-in creates an account at ${issuer} for that upstream identity.
` : ''}`)
}
